"""A compiler of the uTemplate syntax to Python generator functions.

Portable: plain string scanning, no ``re``, runs on CPython and MicroPython.
A template is compiled once to the source of ``def render(<args>):`` whose
body yields the output as str chunks; ``exec`` turns it into a function.

Syntax::

    {% args title, items=() %}     the render function's parameters (first)
    {{ expr }}                     the value, HTML-escaped
    {{! expr }}                    the value as is (raw HTML)
    {% if c %} {% elif c %} {% else %} {% endif %}
    {% for x in xs %} {% endfor %}     {% while c %} {% endwhile %}
    {% set name = expr %}
    {% include "other.html" arg, key=value %}    {% include {{expr}} %}
    {# a comment #}

A line that holds only statement tags and comments produces no output.
"""

_OPENERS = ('{{', '{%', '{#')
_CLOSERS = {'{{': '}}', '{%': '%}', '{#': '#}'}
_BLOCKS = {'if': 'endif', 'for': 'endfor', 'while': 'endwhile'}
_INDENT = '  '


class TemplateSyntaxError(ValueError):
    """A template that cannot be compiled; the message names file and line."""

    def __init__(self, message, name='<template>', line=None):
        where = name if line is None else '%s, line %d' % (name, line)
        super().__init__('%s: %s' % (where, message))
        self.name = name
        self.line = line


class TemplateNotFound(OSError):
    """No template file of that name in the template directory."""


def escape(value):
    """Convert a value to str and escape ``& < > " '`` for HTML.

    Objects with an ``__html__`` method (such as ``markupsafe.Markup``) are
    trusted: their ``__html__()`` is used as is.
    """
    if hasattr(value, '__html__'):
        return value.__html__()
    text = str(value)
    if '&' in text:
        text = text.replace('&', '&amp;')
    for char, entity in (('<', '&lt;'), ('>', '&gt;'), ('"', '&quot;'),
                         ("'", '&#39;')):
        if char in text:
            text = text.replace(char, entity)
    return text


def content_type_for(name, types_map):
    """The Content-Type for a template's extension (with a UTF-8 charset)
    from ``types_map``, or None."""
    extension = name.rsplit('.', 1)[-1].lower() if '.' in name else ''
    content_type = types_map.get(extension)
    if content_type is None or 'charset=' in content_type:
        return content_type
    return content_type + '; charset=UTF-8'


def _find_opener(source, pos):
    while True:
        pos = source.find('{', pos)
        if pos < 0 or source[pos:pos + 2] in _OPENERS:
            return pos
        pos += 1


def _standalone(source, start, end):
    # True if the tag at start:end is alone on its line (other statement
    # tags and comments aside): then the whole line is dropped
    first = source.rfind('\n', 0, start) + 1
    last = source.find('\n', end)
    rest = source[first:start] + ' ' + source[end:len(source) if last < 0
                                              else last]
    while True:
        opener = _find_opener(rest, 0)
        if opener < 0:
            return not rest.strip()
        if rest[opener:opener + 2] == '{{':
            return False
        close = rest.find(_CLOSERS[rest[opener:opener + 2]], opener + 2)
        if close < 0:
            return False
        rest = rest[:opener] + rest[close + 2:]


def tokenize(source, name='<template>'):
    """Split a template into ``(kind, text, line)`` tokens.

    ``kind`` is ``'text'``, ``'{{'``, ``'{%'`` or ``'{#'``; ``text`` is the
    literal text or the stripped inside of the tag.
    """
    tokens = []
    pos, line, trim_line = 0, 1, False
    while True:
        start = _find_opener(source, pos)
        text = source[pos:len(source) if start < 0 else start]
        text_line = line
        if trim_line:  # the rest of the previous tag's line
            cut = text.find('\n')
            text = text[cut + 1:] if cut >= 0 else ''
            text_line += 1 if cut >= 0 else 0
        kind = None if start < 0 else source[start:start + 2]
        close = -1 if start < 0 else source.find(_CLOSERS[kind], start + 2)
        trim_line = kind in ('{%', '{#') and close >= 0 and \
            _standalone(source, start, close + 2)
        if trim_line:
            text = text[:text.rfind('\n') + 1]
        if text:
            tokens.append(('text', text, text_line))
        line += source.count('\n', pos, len(source) if start < 0 else start)
        if start < 0:
            return tokens
        if close < 0:
            raise TemplateSyntaxError('unclosed ' + kind, name, line)
        tokens.append((kind, source[start + 2:close].strip(), line))
        line += source.count('\n', start, close)
        pos = close + 2


class _Compiler:
    """Turns tokens into the Python source of a generator function."""

    def __init__(self, name):
        self.name = name
        self.lines = []  # (python line, template line)
        self.stack = []  # (block keyword, template line)
        self.args = None
        self.args_line = 1
        self.empty_block = False
        self.has_output = False
        self.blank = True  # nothing but whitespace text so far

    def fail(self, message, line):
        raise TemplateSyntaxError(message, self.name, line)

    def emit(self, code, line, dedent=0):
        self.lines.append((_INDENT * (len(self.stack) + 1 - dedent) + code,
                           line))
        self.empty_block = False

    def fill_block(self, line):
        # Python needs a statement in an empty block
        if self.empty_block:
            self.emit('pass', line)

    def output(self, code, line):
        self.emit('yield ' + code, line)
        self.has_output = True
        self.blank = False

    def text(self, text, line):
        blank = self.blank and not text.strip()
        self.output(repr(text), line)
        self.blank = blank

    def expression(self, expr, line):
        raw = expr[:1] == '!'
        expr = expr[1:].strip() if raw else expr
        if not expr:
            self.fail('empty {{ }}', line)
        self.output(('str((%s))' if raw else '_escape((%s))') % expr, line)

    def statement(self, text, line):
        words = text.split(None, 1)
        if not words:
            self.fail('empty {% %}', line)
        keyword, rest = words[0], words[1].replace('\n', ' ') \
            if len(words) > 1 else ''
        handler = getattr(self, 'tag_' + keyword, None)
        if handler is None:
            self.fail('unknown tag {%% %s %%}' % keyword, line)
        handler(rest, line)
        if keyword != 'args':
            self.blank = False

    def tag_args(self, rest, line):
        if self.args is not None or not self.blank:
            self.fail('{% args %} must come first, once', line)
        self.args, self.args_line = rest, line
        self.lines, self.has_output = [], False  # drop leading whitespace

    def _open(self, keyword, rest, line):
        if not rest:
            self.fail('{%% %s %%} needs a condition' % keyword, line)
        self.emit('%s %s:' % (keyword, rest), line)
        self.stack.append((keyword, line))
        self.empty_block = True

    def tag_if(self, rest, line):
        self._open('if', rest, line)

    def tag_for(self, rest, line):
        if ' in ' not in rest:
            self.fail('{% for %} needs "name in iterable"', line)
        self._open('for', rest, line)

    def tag_while(self, rest, line):
        self._open('while', rest, line)

    def _branch(self, keyword, code, line):
        # after {% else %} the block is 'if-else': no more branches
        if not self.stack or self.stack[-1][0] != 'if':
            self.fail('{%% %s %%} without {%% if %%}' % keyword, line)
        self.fill_block(line)
        self.emit(code, line, dedent=1)
        self.empty_block = True

    def tag_elif(self, rest, line):
        if not rest:
            self.fail('{% elif %} needs a condition', line)
        self._branch('elif', 'elif %s:' % rest, line)

    def tag_else(self, rest, line):
        self._branch('else', 'else:', line)
        self.stack[-1] = ('if-else', self.stack[-1][1])

    def _close(self, keyword, line):
        opened = self.stack[-1][0].split('-')[0] if self.stack else None
        if opened is None or _BLOCKS[opened] != keyword:
            self.fail('{%% %s %%} without {%% %s %%}' % (
                keyword, keyword[3:]), line)
        self.fill_block(line)
        self.stack.pop()

    def tag_endif(self, rest, line):
        self._close('endif', line)

    def tag_endfor(self, rest, line):
        self._close('endfor', line)

    def tag_endwhile(self, rest, line):
        self._close('endwhile', line)

    def tag_set(self, rest, line):
        if '=' not in rest:
            self.fail('{% set %} needs "name = expression"', line)
        self.emit(rest, line)

    def tag_include(self, rest, line):
        if rest[:1] in ('"', "'"):
            end = rest.find(rest[0], 1) + 1
        elif rest[:2] == '{{':
            end = rest.find('}}') + 2
        else:
            end = 0
        if end < 2:
            self.fail('{% include %} needs "name" or {{ expression }}', line)
        target = rest[:end] if rest[0] != '{' else rest[2:end - 2]
        args = rest[end:].strip()
        self.output('from _include(%s%s)' % (
            target, ', ' + args if args else ''), line)

    def source(self):
        if self.stack:
            keyword, line = self.stack[-1]
            self.fail('{%% %s %%} is never closed' % keyword.split('-')[0],
                      line)
        lines = [('def render(%s):' % (self.args or ''), self.args_line)] + \
            self.lines
        if not self.has_output:
            lines += [(_INDENT + 'return', 1), (_INDENT + 'yield', 1)]
        return '\n'.join([code for code, _ in lines]) + '\n', \
            [origin for _, origin in lines]


def to_python(source, name='<template>'):
    """Compile template text to ``(python_source, line_map)``.

    ``line_map[i]`` is the template line of Python line ``i + 1``.
    """
    compiler = _Compiler(name)
    for kind, text, line in tokenize(source, name):
        if kind == 'text':
            compiler.text(text, line)
        elif kind == '{{':
            compiler.expression(text, line)
        elif kind == '{%':
            compiler.statement(text, line)
    return compiler.source()


def _bad_line(python, line_map):
    # the template line of the first Python line that does not parse alone
    # (MicroPython's SyntaxError has no lineno)
    for index, code in enumerate(python.split('\n')):
        code = code.strip()
        if code.startswith('elif '):
            code = code[2:]
        if code == 'else:':
            continue
        if code[-1:] == ':':
            code += ' pass'
        try:
            exec('def _():\n ' + code, {})
        except SyntaxError:
            return line_map[index]
    return None


def compile_template(source, name='<template>', include=None):
    """Compile template text to its render function (a generator function).

    ``include(name, *args, **kwargs)`` renders another template for
    ``{% include %}``.
    """
    python, line_map = to_python(source, name)
    namespace = {'_escape': escape, '_include': include}
    try:
        exec(python, namespace)
    except SyntaxError as exc:
        line = _bad_line(python, line_map)
        raise TemplateSyntaxError('invalid Python: %s' % (
            getattr(exc, 'msg', None) or exc), name, line)
    return namespace['render']
