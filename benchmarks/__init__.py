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

"""Benchmark suite of marketplace-dashboard (run by hand, not by pytest).

Usage, from the repository root::

    benchmarks/run            # full sizes (1 GiB and 2 GiB images, 1,000
                              # documents, 10,000 entries): about 15 minutes
    benchmarks/run --quick    # small inputs, under five minutes
    benchmarks/run --only build,verify

``VENV`` (or ``PYTHON``) picks the interpreter, as for ``tools/run-tests``.

Every target compares our code with a peer measured side by side in the
same run, on the same input, on this machine: repetitions are interleaved
(ours, peer, ours, peer...) and the figure is the median of the ratios of
runs made in the same round, which cancels the load of other work on the
machine better than a ratio of medians (both are in the raw figures).  It
prints a table of ratios and the total time (a full ``--quick`` run over
300 s is flagged); ``benchmarks/results.json`` (not committed) gets one
object per target with ``name``, ``measured``, ``target`` (a number), ``op``
(``<``, ``<=``, ``>=``, ``>``), ``unit``, ``goal`` (readable), ``met`` and
the ``raw`` figures, and the run's load average and durations.  Nothing
fails: a missed target is reported as such and
doc/source/contributor/performance.rst explains it.

Targets (issue 8):

1. ``import`` -- server-side import of an image through the panel
   (Horizon's import form, then the Imports row until *Active
   (verified)*; web-download) versus ``glance image-create-via-import
   --import-method web-download``; bytes the dashboard process (Horizon's
   one worker) read meanwhile.
2. ``stream`` -- throughput of the streamed import through the panel,
   upload to Glance's staging area included, versus python-glanceclient
   staging the same file from disk into the same Glance (its bound); peak
   RSS growth of the dashboard process (references: ``curl URL |
   sha512sum``, the core's stream_image in a stand-in process).
3. ``browse`` -- Horizon panel page with 100 versus 10,000 marketplace
   entries (real Horizon login on the loopback stack), and second view
   (cached verdicts) versus first.
4. ``build`` -- ``marketplace-metadata build`` versus md5sum, sha1sum,
   sha256sum and sha512sum one after another (file in page cache), and
   versus a single-threaded Python hashlib loop.
5. ``verify`` -- entries per second of ``marketplace-metadata verify``
   versus ``xmlsec1 --verify`` (one process per file; batch for reference).
6. ``hostile`` -- ``verify`` and the model build of the worst hostile
   document of the maximum size (4 MiB) versus a typical one of the same
   size (issue 14; bound 3x).
7. ``load`` -- issue 15's target 6, under load: the panel's p95 page time
   with 16 members browsing at once (a Horizon with four workers beside
   the stack's one) versus one member alone, and the marketplace service
   (gunicorn, four workers, 10,000 entries) answering 32 clients at once
   versus one: listing requests per second and p99 latency.

``python -m benchmarks.panel_profile`` (by hand) samples the Horizon
worker with py-spy during panel page views and prints where a page's
time goes (target 3).
``python -m benchmarks.glance_stage`` (by hand, not part of the suite)
looks into target 2's bound: Glance alone staging a file, chunked and with
a ``Content-Length``, and a py-spy profile of Glance's worker meanwhile.

Large files go to ``benchmarks/work/`` (git-ignored) and are deleted
afterwards.  The machine's core count and load average are part of the
output: other work on the machine skews every figure.
"""
