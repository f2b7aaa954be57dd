"""benchmarks/glance_stage.py: how py-spy's samples of Glance's worker are
sorted into reading the body, hashing, writing the file and the rest.
"""

import textwrap

from benchmarks import glance_stage

STAGE = 'ImageDataController.stage (glance/api/v2/image_data.py:401)'


def _roots(tmp_path):
    store = tmp_path / 'glance_store' / '_drivers' / 'filesystem.py'
    store.parent.mkdir(parents=True)
    store.write_text(textwrap.dedent('''\
        for buf in chunks:
            os_hash_value.update(buf)
            checksum.update(buf)
            f.write(buf)
        done = True
        '''))
    return [str(tmp_path / 'missing'), str(tmp_path)]


def test_innermost_frame_is_classified_by_its_source_line(tmp_path):
    roots = _roots(tmp_path)
    at = 'Store.add (glance_store/_drivers/filesystem.py:%d)'
    assert glance_stage.classify(at % 2, roots) == 'hashing'
    assert glance_stage.classify(at % 3, roots) == 'hashing'
    assert glance_stage.classify(at % 4, roots) == 'writing the file'
    assert glance_stage.classify(at % 5, roots) == 'other'
    assert glance_stage.classify(at % 99, roots) == 'other'
    # gunicorn's reader buffers with .write(): reading, not writing
    assert glance_stage.classify(
        'ChunkedReader.read (gunicorn/http/body.py:57)', roots) == \
        'reading the request body'
    assert glance_stage.classify('<unknown>', roots) == 'other'


def test_only_samples_in_the_stage_request_count(tmp_path):
    roots = _roots(tmp_path)
    at = 'Store.add (glance_store/_drivers/filesystem.py:%d)'
    raw = [
        'Thread.run (threading.py:982);%s;%s 30\n' % (STAGE, at % 2),
        '%s;%s 10\n' % (STAGE, at % 4),
        '%s;ChunkedReader.read (gunicorn/http/body.py:63) 50\n' % STAGE,
        '%s;Foo.bar (glance/api/v2/images.py:1) 10\n' % STAGE,
        # another request of the worker, and a blank line
        'ImagesController.index (glance/api/v2/images.py:9);%s 99\n'
        % (at % 2),
        '\n',
    ]
    total, counts = glance_stage.summarize(raw, roots)
    assert total == 100
    assert counts == {'hashing': 30, 'writing the file': 10,
                      'reading the request body': 50, 'other': 10}
