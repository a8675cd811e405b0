"""Every error warroom raises, in one tree.

    WarroomError                  base class; ``str(err)`` says what was wrong and what to do
    ├── ConfigError               settings or environment are unusable (bad URL, default secret)
    ├── PlaybookError             the playbook file is invalid: file, key path, expectation
    │   └── RunbookError          a runbook file (front-matter) is invalid, same form
    ├── InvalidInput              a request or command argument is malformed
    ├── NotFound                  the named incident, alert, silence, ... does not exist
    ├── Conflict                  the request clashes with the current state
    │   └── IllegalTransition     an incident status change the lifecycle forbids
    ├── DeliveryError             a channel could not deliver a notification (retried)
    ├── ChatError                 a chat platform (Slack) call failed (the job is retried)
    │   └── RateLimited           the platform said 429: retry after ``retry_after`` seconds
    ├── BackendError              a deployment backend step failed (prepare, switch, retire)
    ├── PredictionFailed          a model version raised, or is not loaded, on a prediction
    ├── InputRejected             the model refused the request's input (the client's mistake)
    ├── DiagnosticError           a runbook diagnostic step could not give an answer
    ├── AuthError                 missing or unknown token / integration key
    └── Forbidden                 the token's role may not do this

The HTTP status of each class is decided by the API layer (``warroom.api.errors``), not
here; the CLI prints the message on one line and exits non-zero.

Internal signals, caught where they are raised and never shown to anyone:
``rollback.engine.Lost`` and ``worker.loop.LeaseLost`` (another runner or worker holds the
lease now), ``gateway.faults.InjectedFault`` (a drill's fault inside the gateway, reported as
``PredictionFailed``), ``web.auth.LoginRequired`` and ``web.auth.Denied`` (the console's
redirect to sign-in and its error page).
"""


class WarroomError(Exception):
    """Base class of every error warroom raises on purpose."""


class ConfigError(WarroomError):
    """Settings or environment are unusable."""


class PlaybookError(WarroomError):
    """The playbook is invalid; the message names the file, the key path and the expectation."""

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
    """A request or command argument is malformed; the message names it."""


class NotFound(WarroomError):
    """The named object does not exist."""


class Conflict(WarroomError):
    """The request clashes with the current state; the message says which."""


class IllegalTransition(Conflict):
    """An incident status change that the lifecycle does not allow."""


class DeliveryError(WarroomError):
    """A channel could not deliver; the message never contains the channel's secrets."""


class ChatError(WarroomError):
    """A chat platform call failed; the message names the method and the platform's error
    code (``name_taken``, ``not_in_channel``), never the token."""


class RateLimited(ChatError):
    """The platform asked to slow down (HTTP 429): the job waits ``retry_after`` seconds."""

    def __init__(self, method: str, retry_after: float):
        self.retry_after = retry_after
        super().__init__(f"{method}: rate limited, retry after {retry_after:g}s")


class BackendError(WarroomError):
    """A deployment backend step failed; the message says which and why."""


class PredictionFailed(WarroomError):
    """The chosen version's model raised or was not loaded."""

    def __init__(self, service: str, version: str, cause: Exception):
        self.service, self.version = service, version
        super().__init__(f"model {service} {version} failed: {type(cause).__name__}: {cause}")


class InputRejected(WarroomError):
    """The model refused the input (wrong number of features, wrong type, failed validation):
    the client's mistake, answered 4xx and never counted as a failure of the model."""

    def __init__(self, service: str, version: str, cause: Exception):
        self.service, self.version = service, version
        super().__init__(
            f"model {service} {version} rejected the input: {type(cause).__name__}: "
            f"{str(cause)[:500]} (check the request's features: number, order and types)"
        )


class DiagnosticError(WarroomError):
    """A diagnostic step could not give an answer; the message says why and what to check."""


class AuthError(WarroomError):
    """No token, or one warroom does not know."""


class Forbidden(WarroomError):
    """The caller's role may not do this."""
