"""Entries for the panel tests, built from the shared StratusLab samples.

The api layer is mocked in the view tests; its results are real core
objects (parsed sample documents) wrapped in ``api.marketplace.Entry``.
"""


from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import model
from tests import SAMPLES


def sample(name):
    return (SAMPLES / name).read_bytes()


def entry(name='06-signed-testca.xml', level='verified', reasons=(),
          warnings=(), marketplace='stratuslab', document=None):
    document = document if document is not None else sample(name)
    verdict = {'level': level, 'reasons': list(reasons),
               'warnings': list(warnings)}
    return api.Entry(marketplace, document, model.parse_appliance(document),
                     verdict)


HOSTILE_TITLE = '<script>alert("title")</script>'
HOSTILE_LOCATION = 'javascript:alert(document.cookie)'


def hostile_document():
    """The testca sample with HTML and script URLs in its fields."""
    text = sample('06-signed-testca.xml').decode()
    text = text.replace(
        '<dcterms:format>raw</dcterms:format>',
        '<dcterms:format>raw</dcterms:format>'
        '<dcterms:title>&lt;script&gt;alert("title")&lt;/script&gt;'
        '</dcterms:title>'
        '<slterms:location>javascript:alert(document.cookie)'
        '</slterms:location>'
        '<slterms:location>pdisk:onehost:8445:1234</slterms:location>'
        '<slterms:location>ftp://ftp.example.org/a.img</slterms:location>'
        '<slterms:location>https://images.example.org/a.img.gz'
        '</slterms:location>'
        '<dcterms:description>&lt;img src=x onerror=alert(1)&gt;'
        '</dcterms:description>')
    return text.encode()
