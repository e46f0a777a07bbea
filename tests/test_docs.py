"""The guide's code runs, and its links lead somewhere.

How to write a code block in docs/*.md (and README.md):

- Every fenced block names its language. ``python`` blocks are checked;
  ``sh``, ``console``, ``text``, ``http``, ``html``, ``js``, ``json``,
  ``ini``, ``nginx`` and ``toml`` blocks are not (commands, output, other
  languages).
- A ``python`` block is preceded by one of two HTML comments, invisible on
  the rendered page:

  ``<!-- example: examples/sse/app.py -->``
      the block is a verbatim excerpt of that file (its lines appear in
      it, in order and together), and a test in tests/ runs that file
      (names it: ``sse/app.py`` or ``'sse' / 'app.py'``).

  ``<!-- runnable -->``
      the block is executed, with src/ on the path, in a new namespace, in
      a temporary working directory. Lines after ``runnable`` inside the
      comment are hidden setup run first: what the prose assumes, e.g.
      ``app = Microdot()``. ``<!-- runnable: continued -->`` runs in the
      namespace of the page's previous runnable block instead.
      ``app.run()`` and ``start_server()`` return at once, so blocks may
      end with them; ``await`` may be used at the top level (the block
      then runs in ``asyncio.run``).

- A ``<!-- then: ... -->`` comment right after a runnable block holds
  hidden checks run in its namespace, e.g. a test client's request and an
  ``assert``.

Each page runs in one subprocess of its own (``python tests/test_docs.py
PAGE``), so its blocks cannot change the test process.

Links: every relative link in docs/*.md and README.md must name a file
that exists, and a ``#fragment`` a heading of the page it points to
(GitHub's anchors: lower case, punctuation dropped, spaces as ``-``).
docs/index.md must link every page of docs/.
"""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / 'docs').glob('*.md')) + [ROOT / 'README.md']
NOT_RUN = {'sh', 'console', 'text', 'http', 'html', 'js', 'json', 'ini',
           'nginx', 'toml'}
FENCE = re.compile(r'^\s*```(\S*)\s*$')  # indented too: inside a list
COMMENT = re.compile(r'<!--\s*(example|runnable|then)(.*?)-->', re.S)


def blocks(text):
    """(line number, language, code, comment before, comment after) for
    each fenced block."""
    lines = text.split('\n')
    found, i = [], 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        start = i
        i += 1
        while i < len(lines) and lines[i].strip() != '```':
            i += 1
        code = '\n'.join(lines[start + 1:i]) + '\n'
        found.append((start + 1, match.group(1), code,
                      _comment(lines, start, -1), _comment(lines, i, 1)))
        i += 1
    return found


def _comment(lines, at, step):
    # the HTML comment that ends just before (step -1) or starts just
    # after (step 1) line `at`, blank lines allowed in between
    i = at + step
    while 0 <= i < len(lines) and not lines[i].strip():
        i += step
    if not 0 <= i < len(lines):
        return None
    if step < 0 and lines[i].rstrip().endswith('-->'):
        end = i
        while i >= 0 and '<!--' not in lines[i]:
            i -= 1
        chunk = '\n'.join(lines[i:end + 1])
    elif step > 0 and lines[i].lstrip().startswith('<!--'):
        end = i
        while end < len(lines) and '-->' not in lines[end]:
            end += 1
        chunk = '\n'.join(lines[i:end + 1])
    else:
        return None
    match = COMMENT.search(chunk)
    return (match.group(1), match.group(2)) if match else None


def problems_of_block(page, line, language, code, before):
    """What is wrong with a block, short of running it (None: nothing)."""
    where = '%s:%d' % (page.name, line)
    if not language:
        return where + ': a fenced block without a language'
    if language in NOT_RUN:
        return None
    if language != 'python':
        return '%s: language %r is neither run nor exempt' % (where, language)
    if before is None or before[0] == 'then':
        return where + ': a python block without <!-- example --> or ' \
            '<!-- runnable --> before it'
    if before[0] == 'example':
        return problems_of_example(where, before[1].strip(' :\n'), code)
    return None


def problems_of_example(where, relative, code):
    path = ROOT / relative
    if not path.is_file():
        return '%s: no file %s' % (where, relative)
    lines = [line.rstrip() for line in path.read_text().split('\n')]
    excerpt = [line.rstrip() for line in code.rstrip('\n').split('\n')]
    if not any(lines[i:i + len(excerpt)] == excerpt
               for i in range(len(lines))):
        return '%s: not an excerpt of %s' % (where, relative)
    parts = Path(relative).relative_to('examples').parts
    names = ('/'.join(parts), ' / '.join(repr(p) for p in parts),
             ', '.join(repr(p) for p in parts))
    for test in (ROOT / 'tests').rglob('test_*.py'):
        text = test.read_text()
        if any(name in text for name in names):
            return None
    return '%s: no test in tests/ runs %s' % (where, relative)


@pytest.mark.parametrize('page', PAGES, ids=lambda page: page.name)
def test_every_code_block_is_run_or_exempt(page):
    problems = [problems_of_block(page, line, language, code, before)
                for line, language, code, before, _
                in blocks(page.read_text())]
    assert [p for p in problems if p] == []


@pytest.mark.parametrize('page', PAGES, ids=lambda page: page.name)
def test_runnable_blocks_run(page):
    if '<!-- runnable' not in page.read_text():
        pytest.skip('no runnable block')
    with tempfile.TemporaryDirectory() as cwd:
        env = dict(os.environ, PYTHONPATH=str(ROOT / 'src'))
        result = subprocess.run([sys.executable, __file__, str(page)],
                                cwd=cwd, env=env, capture_output=True,
                                text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def run_page(page):
    """Run a page's runnable blocks and their checks (in a subprocess)."""
    import traceback

    import microdot
    import microdot_asyncio

    async def no_server(*args, **kwargs):
        pass
    microdot.Microdot.run = lambda *args, **kwargs: None
    microdot_asyncio.Microdot.run = lambda *args, **kwargs: None
    microdot_asyncio.Microdot.start_server = no_server
    namespace, failed = {}, 0
    for line, language, code, before, after in blocks(page.read_text()):
        if language != 'python' or not before or before[0] != 'runnable':
            continue
        setup = _body(before)
        if setup.strip() != 'continued':
            namespace = {'__name__': 'doc_block'}
        else:
            setup = ''
        checks = _body(after) if after and after[0] == 'then' else ''
        for part, source in (('setup', setup), ('block', code),
                             ('check', checks)):
            try:
                _run(_dedent(source), '%s:%d (%s)' % (page.name, line, part),
                     namespace)
            except Exception:
                failed += 1
                print('%s:%d: the %s fails:' % (page.name, line, part))
                traceback.print_exc(file=sys.stdout)
                break
    return failed


def _body(comment):
    # the code in a marker comment, after its word and an optional colon
    body = comment[1].lstrip(' ')
    return body[1:] if body.startswith(':') else body


def _run(source, filename, namespace):
    import ast
    import asyncio
    import inspect
    code = compile(source, filename, 'exec',
                   flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    if code.co_flags & inspect.CO_COROUTINE:
        asyncio.run(eval(code, namespace))
    else:
        exec(code, namespace)


def _dedent(source):
    lines = [line for line in source.split('\n')]
    indents = [len(line) - len(line.lstrip()) for line in lines
               if line.strip()]
    cut = min(indents) if indents else 0
    return '\n'.join(line[cut:] for line in lines) + '\n'


# -- links ------------------------------------------------------------------

LINK = re.compile(r'\]\(([^)\s]+)\)')
HEADING = re.compile(r'^#{1,6}\s+(.*?)\s*#*\s*$')


def anchors(text):
    """The #fragments that GitHub gives a page's headings (and <a id>)."""
    seen, found = {}, set(re.findall(r'<a (?:id|name)="([^"]+)"', text))
    for line in _without_code(text).split('\n'):
        match = HEADING.match(line)
        if match:
            slug = re.sub(r'[^\w\- ]', '', match.group(1).lower())
            slug = slug.replace(' ', '-')
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else '%s-%d' % (slug, count))
    return found


def _without_code(text):
    return re.sub(r'^\s*```.*?^\s*```', '', text, flags=re.S | re.M)


def broken_links(page):
    """The relative links of a page that lead nowhere."""
    broken = []
    text = _without_code(page.read_text())
    text = re.sub(r'`[^`\n]*`', '', text)  # inline code
    text = re.sub(r'<!--.*?-->', '', text, flags=re.S)  # test markers
    for target in LINK.findall(text):
        if re.match(r'[a-z][a-z0-9+.-]*:', target):  # https:, mailto:
            continue
        path, _, fragment = target.partition('#')
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append('%s: %s: no such file' % (page.name, target))
        elif fragment and linked.suffix == '.md' and \
                fragment not in anchors(linked.read_text()):
            broken.append('%s: %s: no such heading' % (page.name, target))
    return broken


def test_relative_links_lead_somewhere():
    assert [link for page in PAGES for link in broken_links(page)] == []


def test_the_index_links_every_page():
    index = (ROOT / 'docs' / 'index.md').read_text()
    linked = set(re.findall(r'\]\(([\w.-]+\.md)\)', index))
    pages = {page.name for page in (ROOT / 'docs').glob('*.md')}
    assert pages - linked == {'index.md'}


def test_a_broken_block_or_link_is_caught(tmp_path):
    page = tmp_path / 'page.md'
    page.write_text(
        '# A page\n\n[ok](#a-page) [bad](#nowhere) [gone](x.md)\n\n'
        '<!-- runnable -->\n```python\nx = 1\n```\n'
        '<!-- then:\nassert x == 2\n-->\n\n```\nno language\n```\n')
    assert broken_links(page) == ['page.md: #nowhere: no such heading',
                                  'page.md: x.md: no such file']
    assert [problems_of_block(page, *block[:4])
            for block in blocks(page.read_text())] == \
        [None, 'page.md:13: a fenced block without a language']
    result = subprocess.run([sys.executable, __file__, str(page)],
                            cwd=tmp_path, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT / 'src')))
    assert result.returncode == 1
    assert 'page.md:6: the check fails' in result.stdout


if __name__ == '__main__':
    sys.exit(1 if run_page(Path(sys.argv[1])) else 0)
