"""The fixture of the stack's unit tests: a stack that is never started
(no Nova, no marketplace service), whose marked processes are swept
afterwards."""

import os

import pytest

import stack as stack_mod


@pytest.fixture
def st(tmp_path):
    st = stack_mod.Stack(str(tmp_path / 'state'), nova=False, horizon=True,
                         marketplace=False)
    os.makedirs(st._p('logs'))
    yield st
    stack_mod.kill_marked(st.base, timeout=2)
