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

"""Target 5: ``marketplace-metadata verify`` versus ``xmlsec1 --verify``.

The same 1,000 signed documents (what the target names, in quick runs
too: at 200, start-up weighed a fifth of the time) are verified

* by one ``marketplace-metadata verify --ca-file CA FILE...`` process (what
  a user runs; it also checks the endorser binding, the StratusLab
  constraints, the trust chain and expiry);
* by ``xmlsec1 --verify --trusted-pem CA FILE``, one process per file (the
  honest peer invocation: the tool a user would script), over the first
  100 of them with ``--quick`` (a process per file costs the same for
  every file; its time is scaled to the 1,000);
* by one ``xmlsec1 --verify`` process given all the files (batch, for
  reference: libxmlsec without process start-up).

Figures are entries per second; the goals: at least as fast as xmlsec1
run per file, and at least half as fast as one xmlsec1 process over all
the files (which checks the signature and the chain only, while verify
also checks the binding, the constraints, expiry and the trust policy).
"""

import os
import pathlib
import shutil

from benchmarks import common, documents

COUNT = 1000
#: documents ``xmlsec1`` is started on one at a time in a quick run
QUICK_PER_FILE = 100


def run(workdir, quick=False, log=print):
    count = COUNT
    repeat = 3
    directory = os.path.join(workdir, 'verify-docs')
    xmlsec1 = shutil.which('xmlsec1')
    if not xmlsec1:
        raise SystemExit('xmlsec1 is required (Debian package xmlsec1, '
                         'installed by tools/bootstrap)')
    log('verify: signing %d documents' % count)
    ca, endorser = documents.credentials()
    ca_file = os.path.join(workdir, 'verify-ca.pem')
    ca.write_pem(pathlib.Path(ca_file))
    paths = documents.write_documents(directory, endorser, count)
    verify = common.tool('marketplace-metadata')
    peer = [xmlsec1, '--verify', '--enabled-reference-uris', 'empty',
            '--trusted-pem', ca_file]

    def ours():
        return common.run([verify, 'verify', '--ca-file', ca_file] + paths)

    sample = paths[:QUICK_PER_FILE] if quick else paths

    def per_file():
        seconds = sum(common.run(peer + [path]) for path in sample)
        return seconds * len(paths) / len(sample)

    def batch():
        return common.run(peer + paths)

    try:
        log('verify: timing (%d interleaved runs each)' % repeat)
        times = common.compare(repeat, {'ours': ours, 'xmlsec1': per_file,
                                        'xmlsec1_batch': batch})
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        os.unlink(ca_file)
    rate = {name: round(count / t['median'], 1) for name, t in times.items()}
    raw = {'documents': count, 'per_file_documents': len(sample),
           'seconds': times, 'entries_per_s': rate}
    note = ('%d documents: marketplace-metadata verify %.0f/s (one process), '
            'xmlsec1 %.0f/s (one process per file, over %d of them), '
            'xmlsec1 batch %.0f/s (one process, signature and chain only).'
            % (count, rate['ours'], rate['xmlsec1'], len(sample),
               rate['xmlsec1_batch']))
    return [
        common.Result('5 verify vs xmlsec1', 'entries/s of marketplace-'
                      'metadata verify / xmlsec1 --verify per file',
                      round(common.paired_ratio(
                          times['xmlsec1']['samples'],
                          times['ours']['samples']), 3), 1.0, op='>=',
                      raw=raw, note=note),
        common.Result('5 verify vs xmlsec1 batch', 'entries/s of '
                      'marketplace-metadata verify / one xmlsec1 process '
                      'for all files (signature and chain only)',
                      round(common.paired_ratio(
                          times['xmlsec1_batch']['samples'],
                          times['ours']['samples']), 3), 0.5,
                      op='>=', raw=raw),
    ]
