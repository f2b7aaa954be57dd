import dataclasses

from marketplace_dashboard.core import cache, trust
from tests import pki


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_memory_cache_ttl_and_lru():
    clock = Clock()
    store = cache.MemoryCache(max_entries=2, clock=clock)
    store.set('a', 1, 10)
    store.set('b', 2, 100)
    assert store.get('a') == 1     # 'a' is now most recently used
    store.set('c', 3, 100)         # evicts 'b'
    assert store.get('b') is None
    clock.now += 11
    assert store.get('a') is None  # expired
    assert store.get('c') == 3
    store.set('d', 4, 0)           # ttl 0: not cached
    assert store.get('d') is None


def test_null_cache():
    null = cache.NullCache()
    null.set('a', 1, 100)
    assert null.get('a') is None


def test_digest_key_is_safe_and_unambiguous():
    key = cache.digest_key('p', 'a b', b'\x00')
    assert key.startswith('p:') and ' ' not in key and len(key) < 80
    assert cache.digest_key('p', 'ab', 'c') != cache.digest_key('p', 'a',
                                                                 'bc')


def test_policy_fingerprint_follows_settings_and_ca_content(tmp_path):
    ca_file = pki.make_ca('Fingerprint CA').write_pem(tmp_path / 'ca.pem')
    policy = trust.TrustPolicy(ca_files=[str(ca_file)])
    first = cache.policy_fingerprint(policy)
    assert first == cache.policy_fingerprint(
        trust.TrustPolicy(ca_files=[str(ca_file)]))
    assert first != cache.policy_fingerprint(
        dataclasses.replace(policy, sha1='refuse'))
    assert first != cache.policy_fingerprint(trust.TrustPolicy(
        ca_files=[str(ca_file)], trusted_endorsers=['a@example.org']))
    pki.make_ca('Another CA').write_pem(ca_file)
    assert first != cache.policy_fingerprint(
        trust.TrustPolicy(ca_files=[str(ca_file)]))
    assert cache.policy_fingerprint(None) == 'none'


def test_memory_cache_django_interface():
    clock = Clock()
    store = cache.MemoryCache(clock=clock)
    assert store.get('a', 'missing') == 'missing'
    store.set('a', 1)                  # no timeout: kept
    clock.now += 10 ** 9
    assert store.get('a') == 1
    assert store.add('a', 2, timeout=10) is False
    assert store.get('a') == 1
    assert store.delete('a') is True
    assert store.delete('a') is False
    assert store.add('a', 3, timeout=10) is True
    assert store.get('a') == 3
    clock.now += 11
    assert store.add('a', 4, timeout=10) is True   # the old one expired
    store.set('a', 5, timeout=-1)      # 0 or less: not stored
    assert store.get('a') is None


def test_null_cache_django_interface():
    null = cache.NullCache()
    assert null.get('a', 'missing') == 'missing'
    assert null.add('a', 1) is True
    assert null.delete('a') is False
