"""A compiler of the uTemplate syntax to Python generator functions.

Portable: plain string scanning, no ``re``, runs on CPython and MicroPython.
``microdot_utemplate`` imports it when a template is first compiled. A
template is compiled once to the source of ``def render(<args>):`` whose
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
from microdot_utemplate import TemplateSyntaxError


def escape(value):
    """Convert a value to str and escape ``& < > " '`` for HTML.

    Objects with an ``__html__`` method (such as ``markupsafe.Markup``) are
    trusted: their ``__html__()`` is used as is.
    """
    if hasattr(value, '__html__'):
        return value.__html__()
    # replace() returns the str itself when there is nothing to replace
    return str(value).replace('&', '&amp;').replace('<', '&lt;').replace(
        '>', '&gt;').replace('"', '&quot;').replace("'", '&#39;')


def _find_tag(source, pos):
    # where the next tag opens and where it closes (-1, -1 if none; the
    # close is -1 for a tag never closed)
    while True:
        pos = source.find('{', pos)
        if pos < 0:
            return -1, -1
        kind = source[pos + 1:pos + 2]
        if kind == '{' or kind == '%' or kind == '#':
            return pos, source.find('}}' if kind == '{' else kind + '}',
                                    pos + 2)
        pos += 1


def tokenize(source, name='<template>'):
    """``(kind, text, line)`` tokens: ``kind`` is ``'text'``, ``'{{'``,
    ``'{%'`` or ``'{#'``, ``text`` the text or the stripped inside of a tag."""
    tokens, pos, line, trim_line = [], 0, 1, False
    while True:
        start, close = _find_tag(source, pos)
        end = len(source) if start < 0 else start
        text, text_line = source[pos:end], line
        if trim_line:  # the rest of the previous tag's line
            cut = text.find('\n')
            text = text[cut + 1:] if cut >= 0 else ''
            text_line += cut >= 0
        kind = source[start:start + 2]
        trim_line = close >= 0 and kind != '{{'
        if trim_line:
            # a statement or comment alone on its line (other ones aside)
            # takes the whole line with it
            last = source.find('\n', close)
            rest = source[source.rfind('\n', 0, start) + 1:start] + ' ' + \
                source[close + 2:len(source) if last < 0 else last]
            while True:
                opener, rest_close = _find_tag(rest, 0)
                if opener < 0 or rest[opener + 1] == '{' or rest_close < 0:
                    break
                rest = rest[:opener] + rest[rest_close + 2:]
            trim_line = opener < 0 and not rest.strip()
            if trim_line:
                text = text[:text.rfind('\n') + 1]
        if text:
            tokens.append(('text', text, text_line))
        line += source.count('\n', pos, end)
        if start < 0:
            return tokens
        if close < 0:
            raise TemplateSyntaxError('unclosed ' + kind, name, line)
        tokens.append((kind, source[start + 2:close].strip(), line))
        line += source.count('\n', start, close)
        pos = close + 2


def _output(kind, text, name, line):
    # the yield line of text, a {{ }} expression or an {% include %}
    if kind == 'text':
        return 'yield ' + repr(text)
    if kind == '{{':
        raw = text[:1] == '!'
        text = text[1:].strip() if raw else text
        if not text:
            raise TemplateSyntaxError('empty {{ }}', name, line)
        return ('yield str((%s))' if raw else 'yield _escape((%s))') % text
    quote = text[:1]
    if quote == '"' or quote == "'":
        end = text.find(quote, 1) + 1
    else:
        end = text.find('}}') + 2 if text[:2] == '{{' else 0
    if end < 2:
        raise TemplateSyntaxError(
            '{% include %} needs "name" or {{ expression }}', name, line)
    args = text[end:].strip()
    return 'yield from _include(%s%s)' % (
        text[2:end - 2] if quote == '{' else text[:end],
        ', ' + args if args else '')


def _statement(keyword, rest, stack, name, line):
    # the Python line of a block tag or {% set %} (None for an end tag),
    # checked against the stack of open blocks, which it keeps
    top = stack[-1][0] if stack else ''
    code = problem = None
    block = keyword == 'if' or keyword == 'for' or keyword == 'while'
    if keyword == 'for' and ' in ' not in rest:
        problem = 'needs "name in iterable"'
    elif (block or keyword == 'elif') and not rest:
        problem = 'needs a condition'
    elif keyword == 'elif' or keyword == 'else':
        if top != 'if':  # after {% else %} the top is 'if-else'
            problem = 'without {% if %}'
        elif keyword == 'else':
            stack[-1] = ('if-else', stack[-1][1])
        code = 'else:' if keyword == 'else' else 'elif %s:' % rest
    elif block:
        stack.append((keyword, line))
        code = '%s %s:' % (keyword, rest)
    elif keyword == 'endif' or keyword == 'endfor' or keyword == 'endwhile':
        if top.split('-')[0] != keyword[3:]:
            problem = 'without {%% %s %%}' % keyword[3:]
        else:
            stack.pop()
    elif keyword == 'set':
        if '=' not in rest:
            problem = 'needs "name = expression"'
        code = rest
    else:
        raise TemplateSyntaxError('unknown tag {%% %s %%}' % keyword
                                  if keyword else 'empty {% %}', name, line)
    if problem:
        raise TemplateSyntaxError('{%% %s %%} %s' % (keyword, problem), name,
                                  line)
    return code


def to_python(source, name='<template>'):
    """Compile template text to ``(python_source, line_map)``, where
    ``line_map[i]`` is the template line of Python line ``i + 1``."""
    lines, line_map, stack = ['def render():'], [1], []
    args, output, blank = False, False, True
    for kind, text, line in tokenize(source, name):
        depth, code, keyword = len(stack) + 1, None, kind
        if kind == '{%':
            words = text.split(None, 1) or ['']
            keyword = words[0]
            text = words[1].replace('\n', ' ') if len(words) > 1 else ''
        if keyword == 'args':
            if args or not blank:
                raise TemplateSyntaxError('{% args %} must come first, once',
                                          name, line)
            lines, line_map, args, output = ['def render(%s):' % text], \
                [line], True, False  # what came before is whitespace
        elif kind == 'text' or kind == '{{' or keyword == 'include':
            code, output = _output(keyword, text, name, line), True
            blank = blank and kind == 'text' and not text.strip()
        elif kind == '{%':
            code, blank = _statement(keyword, text, stack, name, line), False
            branch = keyword == 'elif' or keyword == 'else'
            if (code is None or branch) and lines[-1][-1:] == ':':
                # the block ends empty: Python needs a statement in it
                lines.append('  ' * depth + 'pass')
                line_map.append(line)
            depth -= branch
        if code is not None:
            lines.append('  ' * depth + code)
            line_map.append(line)
    if stack:
        raise TemplateSyntaxError('{%% %s %%} is never closed' % (
            stack[-1][0].split('-')[0]), name, stack[-1][1])
    if not output:
        lines += ['  return', '  yield']
        line_map += [1, 1]
    return '\n'.join(lines) + '\n', line_map


def compile_template(source, name='<template>', include=None,
                     namespace=None):
    """Compile template text to its render function (a generator function).

    ``include(name, *args, **kwargs)`` renders another template for
    ``{% include %}``. ``namespace``: the dict to use as the function's
    globals, which templates compiled with the same one share (by default
    a new one).
    """
    python, line_map = to_python(source, name)
    if namespace is None:
        namespace = {}
    namespace['_escape'], namespace['_include'] = escape, include
    try:
        exec(python, namespace)
    except SyntaxError as exc:
        # the template line of the first Python line that does not parse
        # alone (MicroPython's SyntaxError has no lineno)
        bad_line = None
        for code, line in zip(python.split('\n'), line_map):
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
                bad_line = line
                break
        raise TemplateSyntaxError('invalid Python: %s' % (
            getattr(exc, 'msg', None) or exc), name, bad_line)
    return namespace['render']
