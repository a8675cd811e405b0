"""The intake use case: a batch of alerts from any source becomes stored alerts and incidents."""
