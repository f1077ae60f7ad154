"""Names kept working for one release after a rename, each with a DeprecationWarning.

    >>> import warnings
    >>> def new(x: int, *, scale: int = 1) -> int:
    ...     return x * scale
    >>> old = renamed(new, "old")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     old(2, scale=3), str(caught[0].message)
    (6, 'old is deprecated and will be removed in the next release; use new instead')
"""
from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def warn(what: str, instead: str, *, stacklevel: int = 3) -> None:
    """One DeprecationWarning wording for every deprecated name, parameter or value."""
    warnings.warn(f"{what} is deprecated and will be removed in the next release; use "
                  f"{instead} instead", DeprecationWarning, stacklevel=stacklevel)


def renamed(func: F, old: str, new: str | None = None) -> F:
    """`func` under its old name `old`: the same call, plus a DeprecationWarning naming `new`."""
    new = new or func.__name__

    @functools.wraps(func)
    def alias(*args: Any, **kwargs: Any) -> Any:
        warn(old, new)
        return func(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old.rsplit(".", 1)[-1]
    alias.__doc__ = f"Deprecated: use `{new}` (same call)."
    return alias  # type: ignore[return-value]


def keyword_only(*names: str) -> Callable[[F], F]:
    """Mark parameters `names` (in their old positional order) as keyword-only, while a call that
    still passes them positionally keeps working for one release with a DeprecationWarning.

        >>> @keyword_only("speed")
        ... def play(path: str, *, speed: float | None = None) -> tuple[str, float | None]:
        ...     return path, speed
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     play("a.jsonl", 2.0)
        ('a.jsonl', 2.0)
    """
    def decorate(func: F) -> F:
        positional = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                         for p in inspect.signature(func).parameters.values())

        def moved(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
            extra = args[positional:]
            if not extra:
                return args
            if len(extra) > len(names):
                raise TypeError(f"{func.__qualname__}() takes at most {positional + len(names)} "
                                f"positional arguments ({len(args)} given)")
            given = names[:len(extra)]
            twice = [n for n in given if n in kwargs]
            if twice:
                raise TypeError(f"{func.__qualname__}() got multiple values for {twice[0]!r}")
            warn(f"passing {', '.join(given)} to {func.__qualname__}() by position",
                 f"keywords ({', '.join(f'{n}=...' for n in given)})", stacklevel=4)
            kwargs.update(zip(given, extra, strict=True))
            return args[:positional]

        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                return await func(*moved(args, kwargs), **kwargs)
            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return func(*moved(args, kwargs), **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorate


__all__ = ["keyword_only", "renamed", "warn"]
