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
    """Thread-safe in-memory cache with TTLs and an LRU size bound.

    The subset of Django's cache interface the engine uses: ``get(key,
    default=None)``, ``set(key, value, timeout=None)``, ``add(key, value,
    timeout=None)`` (atomic; True when added) and ``delete(key)``.  A
    *timeout* of None keeps the value until it is evicted; 0 or less does
    not store it.
    """

    def __init__(self, max_entries=1024, clock=time.monotonic):
        self._data = collections.OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self._clock = clock

    def _live(self, key):
        """The entry of *key* if it has not expired (lock held)."""
        item = self._data.get(key)
        if item is None:
            return None
        if item[0] is not None and item[0] <= self._clock():
            del self._data[key]
            return None
        return item

    def _store(self, key, value, timeout):
        expires = None if timeout is None else self._clock() + timeout
        self._data[key] = (expires, value)
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    def get(self, key, default=None):
        with self._lock:
            item = self._live(key)
            if item is None:
                return default
            self._data.move_to_end(key)
            return item[1]

    def set(self, key, value, timeout=None):
        if timeout is not None and timeout <= 0:
            return
        with self._lock:
            self._store(key, value, timeout)

    def add(self, key, value, timeout=None):
        if timeout is not None and timeout <= 0:
            return False
        with self._lock:
            if self._live(key) is not None:
                return False
            self._store(key, value, timeout)
            return True

    def delete(self, key):
        with self._lock:
            self._data.pop(key, None)

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
