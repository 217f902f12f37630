"""Typed errors of the Shopify client. Callers branch on the type and the codes, never on text."""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GraphQLErrorDetail:
    """One entry of a response's top-level ``errors``."""

    message: str
    code: str | None
    path: tuple[str | int, ...] = ()


@dataclass(frozen=True, slots=True)
class UserError:
    """One entry of a mutation payload's ``userErrors`` (``field`` is the input path, as strings)."""

    message: str
    code: str | None
    field: tuple[str, ...] | None


class ShopifyError(Exception):
    """Base of every error this client raises."""


class ShopifyAuthError(ShopifyError):
    """401/403: the token is wrong, revoked or lacks a scope. Retrying cannot help."""

    def __init__(self, status_code: int, detail: str, *, rejected_token: str | None = None) -> None:
        super().__init__(f"Shopify refused the credentials (HTTP {status_code}): {detail}")
        self.status_code = status_code
        self.detail = detail
        self.rejected_token = rejected_token  # the token refused, so its source can refresh it


class ShopifyThrottled(ShopifyError):
    """Shopify answered THROTTLED (GraphQL) or HTTP 429. The client retries it until its deadline."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ShopifyTransientError(ShopifyError):
    """A 5xx, a timeout or a dropped connection: retried by the client until its deadline."""


class ShopifyUnavailable(ShopifyError):
    """Retries exhausted: ``last_error`` says what failed last, ``attempts`` how many tries were made."""

    def __init__(self, operation: str, attempts: int, last_error: Exception) -> None:
        super().__init__(
            f"Shopify {operation} failed after {attempts} attempt(s); last error: "
            f"{type(last_error).__name__}: {last_error}"
        )
        self.operation = operation
        self.attempts = attempts
        self.last_error = last_error


class ShopifyRequestError(ShopifyError):
    """Any other non-success HTTP answer (400, 402, 404, 423, ...): not retried."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"Shopify answered HTTP {status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


class ShopifyGraphQLError(ShopifyError):
    """Top-level ``errors`` in an answer (bad document, missing @idempotent, invalid variables...)."""

    def __init__(self, errors: Sequence[GraphQLErrorDetail]) -> None:
        self.errors = tuple(errors)
        first = self.errors[0] if self.errors else GraphQLErrorDetail("unknown GraphQL error", None)
        self.message = first.message
        self.code = first.code
        more = f" (+{len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(f"[{self.code}] {self.message}{more}")

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(e.code for e in self.errors if e.code)


class ShopifyUserErrors(ShopifyError):
    """A mutation answered with ``userErrors``: Shopify refused it and changed nothing."""

    def __init__(self, operation: str, user_errors: Sequence[UserError]) -> None:
        self.operation = operation
        self.user_errors = tuple(user_errors)
        summary = "; ".join(
            f"[{e.code}] {'.'.join(e.field) if e.field else '-'}: {e.message}" for e in self.user_errors
        )
        super().__init__(f"Shopify refused {operation}: {summary}")

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(e.code for e in self.user_errors if e.code)


class BulkOperationError(ShopifyError):
    """A bulk operation could not be started (``userErrors``, e.g. OPERATION_IN_PROGRESS) or failed."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


# What each error means to a caller, once: Shopify may take it later, or it refuses for good
# (port_errors.py turns these into the ports' TransientFailure and PushRefused).
RETRY_LATER: tuple[type[ShopifyError], ...] = (ShopifyUnavailable, ShopifyThrottled, ShopifyTransientError)
REFUSED_FOR_GOOD: tuple[type[ShopifyError], ...] = (
    ShopifyAuthError,
    ShopifyGraphQLError,
    ShopifyRequestError,
    ShopifyUserErrors,
)
