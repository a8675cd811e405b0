"""Silences: matchers that keep alerts from opening incidents for a while."""
