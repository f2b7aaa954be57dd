"""Test CAs and endorsers for the HEPiX image list tests."""

import pytest

from marketplace_dashboard.core import trust
from tests import pki


@pytest.fixture(scope='session')
def hepix_pki(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('hepix-pki')
    ca = pki.make_ca('HEPiX Test CA', not_before=pki.days_ago(30))
    other_ca = pki.make_ca('Other Test CA', not_before=pki.days_ago(30))
    signer = pki.make_endorser(ca, 'AppDB Signer', 'appdb@example.org',
                               not_before=pki.days_ago(10))
    stranger = pki.make_endorser(other_ca, 'Someone Else',
                                 'else@example.org',
                                 not_before=pki.days_ago(10))
    ca_file = ca.write_pem(tmp / 'ca.pem')
    return {'ca': ca, 'other_ca': other_ca, 'signer': signer,
            'stranger': stranger, 'ca_file': str(ca_file),
            'policy': trust.TrustPolicy(ca_files=[str(ca_file)])}
