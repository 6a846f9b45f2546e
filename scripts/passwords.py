"""argon2id hashing with the parameters the Rust functions use (OWASP:
m = 19 MiB, t = 2, p = 1), so hashes made by scripts verify in Lambda."""
from argon2 import PasswordHasher, Type

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)


def argon2id(password: str) -> str:
    return HASHER.hash(password)
