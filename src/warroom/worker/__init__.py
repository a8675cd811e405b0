"""Durable background work: a jobs table, a claim loop and one handler registry."""
