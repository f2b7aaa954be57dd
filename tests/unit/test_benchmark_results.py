"""benchmarks/common.py: how a target is compared, printed and written.

The suite itself runs by hand (benchmarks/run); these checks keep its
results file in the shape issue 8 asks for: one object per target with
``name``, ``measured``, ``target`` (a number), ``op`` and ``met``.
"""

import io
import json

import pytest

from benchmarks import common


@pytest.mark.parametrize('op, measured, met', [
    ('<', 49.9, True), ('<', 50, False), ('<=', 50, True),
    ('>=', 50, True), ('>', 50, False), ('>', 50.1, True)])
def test_ops(op, measured, met):
    assert common.Result('t', 'd', measured, 50, op=op).met is met


def test_not_measured_is_not_met():
    assert common.Result('t', 'd', None, 1.0).met is False


def test_unknown_op_is_refused():
    with pytest.raises(ValueError):
        common.Result('t', 'd', 1.0, 1.0, op='~')


def test_results_file_has_numeric_target_and_op(tmp_path):
    results = [
        common.Result('2 dashboard RSS growth', 'd', 1.3, 50, op='<',
                      unit=' MB', raw={'x': 1}),
        common.Result('1 import', 'd', 0.67, 1.1),
        common.Result('1 bytes', 'd', 15473, 1342177.28, op='<', unit=' B',
                      goal='none of the image (< 1% of it)'),
    ]
    path = tmp_path / 'results.json'
    common.write_results(str(path), results, {'quick': True})
    data = json.loads(path.read_text())
    assert data['meta'] == {'quick': True}
    first, second, third = data['targets']
    assert first['target'] == 50 and first['op'] == '<'
    assert first['unit'] == 'MB' and first['goal'] == '< 50 MB'
    assert first['met'] is True and first['raw'] == {'x': 1}
    assert (second['target'], second['op'], second['goal']) == (
        1.1, '<=', '<= 1.1x')
    assert third['goal'] == 'none of the image (< 1% of it)'
    for target in data['targets']:
        assert {'name', 'measured', 'target', 'op', 'met'} <= set(target)
        assert isinstance(target['target'], (int, float))


def test_table_shows_the_goal_and_misses():
    out = io.StringIO()
    common.print_table([
        common.Result('2 stream', 'throughput', 0.25, 0.8, op='>=',
                      note='why'),
        common.Result('2 RSS', 'memory', 1.3, 50, op='<', unit=' MB')],
        stream=out)
    text = out.getvalue()
    assert '>= 0.8x' in text and '< 50 MB' in text
    assert 'MISSED 2 stream: why' in text


def test_a_reference_is_shown_never_judged(tmp_path):
    reference = common.Result('2 (reference) Glance staging alone', 'bound',
                              0.5, 0.8, op='>=', reference=True,
                              note='where the bound is')
    target = common.Result('2 stream via panel vs Glance staging', 'ratio',
                           0.6, 0.9, op='>=')
    assert reference.met is None and target.met is False
    out = io.StringIO()
    common.print_table([reference, target], stream=out)
    text = out.getvalue()
    assert 'MISSED 2 stream via panel vs Glance staging' in text
    assert 'MISSED 2 (reference)' not in text
    assert '2 (reference) Glance staging alone: where the bound is' in text
    row = next(line for line in text.splitlines()
               if line.startswith('2 (reference)'))
    assert '(reference)' in row.split('0.5x', 1)[1] and row.endswith('--')
    path = tmp_path / 'results.json'
    common.write_results(str(path), [reference, target], {})
    first, second = json.loads(path.read_text())['targets']
    assert (first['reference'], first['met']) == (True, None)
    assert (second['reference'], second['met']) == (False, False)
