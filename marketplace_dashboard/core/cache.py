# Copyright 2026 The marketplace-dashboard Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.


"""Pluggable caches for the marketplace client.

A cache is anything with ``get(key)`` (``None`` when absent) and
``set(key, value, ttl)`` (*ttl* in seconds).  :class:`NullCache` caches
nothing, :class:`MemoryCache` is a small thread-safe in-process cache; the
dashboard passes an adapter over the Django cache.  Keys are short ASCII
strings without spaces (safe for memcached).
"""

import collections
import dataclasses
import hashlib
import json
import threading
import time
from typing import Protocol


class Cache(Protocol):
    def get(self, key): ...

    def set(self, key, value, ttl): ...


class NullCache:
    """Caches nothing."""

    def get(self, key):
        return None

    def set(self, key, value, ttl):
        return None


class MemoryCache:
    """Thread-safe in-memory cache with TTLs and an LRU size bound."""

    def __init__(self, max_entries=1024, clock=time.monotonic):
        self._data = collections.OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self._clock = clock

    def get(self, key):
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            expires, value = item
            if expires <= self._clock():
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return value

    def set(self, key, value, ttl):
        if ttl is None or ttl <= 0:
            return
        with self._lock:
            self._data[key] = (self._clock() + ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)


def digest_key(prefix, *parts):
    """``prefix:<sha256 of the parts>``, a safe cache key."""
    sha = hashlib.sha256()
    for part in parts:
        if isinstance(part, str):
            part = part.encode('utf-8')
        sha.update(hashlib.sha256(part).digest())
    return '%s:%s' % (prefix, sha.hexdigest())


def _stable(value):
    """JSON stand-in for non-JSON values (certificates by content)."""
    public_bytes = getattr(value, 'public_bytes', None)
    if public_bytes is not None:
        from cryptography.hazmat.primitives.serialization import Encoding
        return hashlib.sha256(public_bytes(Encoding.DER)).hexdigest()
    return repr(value)


def policy_fingerprint(policy):
    """Stable fingerprint of a trust policy, including its CA files' bytes.

    Changing any setting or the content of a CA bundle changes the
    fingerprint, so a verdict cached under an older policy is never reused.
    """
    if policy is None:
        return 'none'
    if dataclasses.is_dataclass(policy):
        settings = {field.name: getattr(policy, field.name)
                    for field in dataclasses.fields(policy)}
    else:
        settings = dict(vars(policy))
    text = json.dumps(settings, sort_keys=True, default=_stable)
    sha = hashlib.sha256(text.encode('utf-8'))
    for path in sorted(str(p) for p in settings.get('ca_files') or ()):
        try:
            with open(path, 'rb') as handle:
                sha.update(hashlib.sha256(handle.read()).digest())
        except OSError:
            sha.update(b'unreadable:' + path.encode('utf-8'))
    return sha.hexdigest()
