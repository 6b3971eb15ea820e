"""Password rules and bcrypt hashing, as GoTrue does them (minimum length 6, bcrypt cost 10).

The cost is a setting of the gateway (`GatewayContext.password_cost`): the test stack lowers it, as
hashing at cost 10 for every test's sign-up is most of what signing up costs.
"""

from __future__ import annotations

import bcrypt

from stagefy_cli.local.gateway.auth.errors import AuthError
from stagefy_cli.local.gateway.context import BCRYPT_COST

MIN_LENGTH = 6
BCRYPT_MAX_BYTES = 72  # bcrypt ignores (bcrypt>=5: rejects) anything longer


def check_strength(password: object) -> str:
    """Return the password if GoTrue would accept it, else raise its 422 error."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise AuthError(
            422,
            "weak_password",
            f"Password should be at least {MIN_LENGTH} characters.",
            weak_password={"reasons": ["length"]},
        )
    if len(password.encode()) > BCRYPT_MAX_BYTES:
        raise AuthError(422, "validation_failed", "Password cannot be longer than 72 characters")
    return password


def hash_password(password: str, cost: int = BCRYPT_COST) -> str:
    """The bcrypt hash of `password` at `cost` (verifying reads the cost from the hash)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost)).decode()


def verify_password(password: object, encrypted: str | None) -> bool:
    if not isinstance(password, str) or not encrypted:
        return False
    candidate = password.encode()
    if len(candidate) > BCRYPT_MAX_BYTES:
        return False
    return bcrypt.checkpw(candidate, encrypted.encode())
