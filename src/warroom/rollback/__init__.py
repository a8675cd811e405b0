"""The rollback use case: start, drive (engine), verify and conclude a rollback; auto-rollback."""
