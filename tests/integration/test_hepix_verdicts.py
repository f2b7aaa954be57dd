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

"""HEPiX image lists signed here (S/MIME, a test CA) and served on
loopback by the stack's image server, each judged by the installed
``marketplace-metadata show --catalog-type hepix`` over HTTP: a good list
is verified; an expired list, a list naming another endorser DN and a
list changed after signing each get their own verdict and reason; the
reasons follow the process locale.
"""

import datetime
import os
import subprocess
import sys
import uuid

import pytest

from tests import hepix_lists as lists
from tests import pki

NOW = datetime.datetime.now(datetime.UTC).replace(microsecond=0)


@pytest.fixture(scope='module')
def served(image_server, tmp_path_factory):
    """URLs of the lists, and the CA file that trusts their signer."""
    ca = pki.make_ca('HEPiX Verdicts CA', not_before=pki.days_ago(30))
    signer = pki.make_endorser(ca, 'HEPiX Verdicts Signer',
                               'hepix-verdicts@example.org',
                               not_before=pki.days_ago(5))
    good = lists.signed_list(signer)
    bodies = {
        'good': good,
        'expired': lists.signed_list(
            signer, created=NOW - datetime.timedelta(days=5),
            expires=NOW - datetime.timedelta(days=1)),
        'wrong-dn': lists.signed_list(
            signer, dn=lists.slash_dn('Someone Else')),
        'tampered': good.replace(b'"CentOS"', b'"Evil OS"'),
    }
    assert bodies['tampered'] != good
    urls = {name: image_server.add_file(
        'hepix-%s-%s.list' % (name, uuid.uuid4().hex), body)
        for name, body in bodies.items()}
    folder = tmp_path_factory.mktemp('hepix-verdicts')
    return {'urls': urls, 'ca_file': str(ca.write_pem(folder / 'ca.pem'))}


def show(served, name, **environ):
    command = os.path.join(os.path.dirname(sys.executable),
                           'marketplace-metadata')
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'LANG': 'C.UTF-8',
           'HOME': os.environ.get('HOME', '/tmp'),
           'XDG_CONFIG_HOME': os.path.dirname(served['ca_file'])}
    env.update(environ)
    result = subprocess.run(
        [command, 'show', lists.IMAGE_ID, '--catalog-type', 'hepix',
         '--endpoint', served['urls'][name],
         '--trust-ca-file', served['ca_file']],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_good_list_is_verified(served):
    out = show(served, 'good')
    assert out.startswith('Verdict: verified\n'), out
    assert 'Identifier: %s' % lists.IMAGE_ID in out


def test_an_expired_list(served):
    out = show(served, 'expired')
    assert out.startswith('Verdict: expired\n'), out
    assert '  - the image list expired on ' in out
    assert '(dc:date:expires)' in out


def test_a_list_naming_another_endorser(served):
    out = show(served, 'wrong-dn')
    assert out.startswith('Verdict: invalid\n'), out
    assert ('  - the list is signed by %s, not by its endorser %s (hv:dn)'
            % (lists.slash_dn('HEPiX Verdicts Signer'),
               lists.slash_dn('Someone Else'))) in out


def test_a_list_changed_after_signing(served):
    out = show(served, 'tampered')
    assert out.startswith('Verdict: invalid\n'), out
    assert 'it was changed after it was signed' in out


def test_the_reasons_follow_the_process_locale(served):
    out = show(served, 'expired', LANG='fr_FR.UTF-8')
    assert out.startswith('Verdict: expired\n'), out
    assert 'the image list expired' not in out
    assert "  - la liste d'images a expiré le " in out, out
