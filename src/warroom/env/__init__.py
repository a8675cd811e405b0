"""The narrow view of a running process that use cases and runtime take: ``Env``."""
