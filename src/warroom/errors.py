"""Every error warroom raises, in one tree.

    WarroomError                  base class; ``str(err)`` says what was wrong and what to do
    ├── ConfigError               settings or environment are unusable (bad URL, default secret)
    ├── PlaybookError             the playbook file is invalid: file, key path, expectation
    │   └── RunbookError          a runbook file (front-matter) is invalid, same form
    ├── InvalidInput              a request or command argument is malformed (HTTP 422)
    ├── NotFound                  the named incident, alert, silence, ... does not exist (404)
    ├── Conflict                  the request clashes with the current state (409)
    │   └── IllegalTransition     an incident status change the lifecycle forbids
    ├── DeliveryError             a channel could not deliver a notification (retried, 502)
    ├── AuthError                 missing or unknown token / integration key (401)
    └── Forbidden                 the token's role may not do this (403)

API handlers map each class to its HTTP status in ``warroom.api.app``; the CLI prints
the message on one line and exits non-zero.
"""


class WarroomError(Exception):
    """Base class of every error warroom raises on purpose."""

    status_code = 500


class ConfigError(WarroomError):
    """Settings or environment are unusable."""


class PlaybookError(WarroomError):
    """The playbook is invalid; the message names the file, the key path and the expectation."""

    status_code = 422
    what = "playbook"

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid {self.what} {source}:\n{lines}")


class RunbookError(PlaybookError):
    """A runbook file is invalid; the message names the file, the key path and the expectation."""

    what = "runbook"


class InvalidInput(WarroomError):
    status_code = 422


class NotFound(WarroomError):
    status_code = 404


class Conflict(WarroomError):
    status_code = 409


class IllegalTransition(Conflict):
    """An incident status change that the lifecycle does not allow."""


class DeliveryError(WarroomError):
    """A channel could not deliver; the message never contains the channel's secrets."""

    status_code = 502


class AuthError(WarroomError):
    status_code = 401


class Forbidden(WarroomError):
    status_code = 403
