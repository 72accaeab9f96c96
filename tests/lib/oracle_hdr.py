#!/usr/bin/python3
"""oracle_hdr.py MHDR FIELD KIND FILE...

Compare `mhdr -d -h FIELD` (KIND text) or `mhdr -d -A -h FIELD` (KIND addr)
with what Python's email.header (decode_header + make_header) and
email.utils.getaddresses make of the same field.  Every difference must
fall into one of the deliberate categories below, each checked for what
mailkit does instead; anything else is printed and the exit status is 1.
Prints one summary line: compared, equal, and the count per category.
"""
import codecs
import collections
import email.errors
import email.header
import email.utils
import re
import subprocess
import sys

EW = re.compile(rb'=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=')


def fallback_1252(err):
    # Bytes that are not UTF-8 are read as windows-1252 (mailkit.7,
    # STANDARDS); its five undefined bytes become U+FFFD.
    out = []
    for b in err.object[err.start:err.end]:
        try:
            out.append(bytes([b]).decode('cp1252'))
        except UnicodeDecodeError:
            out.append('\ufffd')
    return ''.join(out), err.end


codecs.register_error('mk1252', fallback_1252)


def raw8(b):
    return b.decode('utf-8', 'mk1252')


def nocontrols(s):
    # mailkit never prints control characters: CR and LF become a space,
    # the others U+FFFD.  mhdr prints a tab as a space too (the tab that
    # begins a folded line, kept by RFC 5322 unfolding, would otherwise
    # split the line for cut(1) after -H).
    out = []
    for c in s:
        o = ord(c)
        if c in '\r\n\t':
            out.append(' ')
        elif (o < 32 and c != '\t') or o == 127 or 0x80 <= o < 0xa0:
            out.append('\ufffd')
        else:
            out.append(c)
    return ''.join(out)


def field_value(data, name):
    """The first field called name, unfolded, as mailkit's msg reads it."""
    lines = data.split(b'\n')
    if lines and lines[0].startswith(b'From '):
        lines = lines[1:]
    cur = None
    fields = []
    for ln in lines:
        if ln.endswith(b'\r'):
            ln = ln[:-1]
        if ln == b'':
            break
        if ln[:1] in (b' ', b'\t'):
            if cur is not None:
                fields[-1][1].append(ln)
            continue
        m = re.match(rb'([\x21-\x39\x3b-\x7e]+)[ \t]*:', ln)
        if not m:
            break
        fields.append((m.group(1), [ln[m.end():]]))
        cur = m.group(1)
    for fname, parts in fields:
        if fname.lower() == name.lower().encode():
            return b''.join(parts).strip(b' \t')
    return None


def py_text(v):
    """Python's reading of a text value: (category, string).

    category is None when Python decoded it, else why it could not."""
    if not EW.search(v):
        return None, nocontrols(raw8(v))
    if any(c >= 0x80 for c in v):
        return 'raw 8-bit beside encoded words', None
    try:
        parts = email.header.decode_header(v.decode('ascii'))
        for b, cs in parts:
            if cs and b == b'':
                return 'python drops an undecodable word', None
        # Deliberate: Big5 is read as Big5-HKSCS (the WHATWG reading, and
        # the only Big5 table glibc has that is not private use in rows
        # C6A1-C8FE); Python's big5 codec has the ETEN extensions there,
        # which put Cyrillic where HKSCS puts kana.
        parts = [(b, 'big5hkscs' if cs and cs.lower() == 'big5' else cs)
                 for b, cs in parts]
        s = str(email.header.make_header(parts))
    except (LookupError, UnicodeError, email.errors.HeaderParseError) as e:
        return 'python fails: %s' % type(e).__name__, None
    return None, nocontrols(s)


def check_undecodable(v, got):
    """Where Python gave up, check mailkit's own rules: each encoded word
    that Python cannot decode on its own is printed as written, each one
    it can is decoded, and raw 8-bit runs read as UTF-8 or windows-1252."""
    for m in EW.finditer(v):
        word = m.group(0).decode('ascii', 'replace')
        try:
            parts = email.header.decode_header(word)
            ok = all(b or not cs for b, cs in parts)
            text = str(email.header.make_header(parts)) if ok else None
        except (LookupError, UnicodeError, email.errors.HeaderParseError):
            text = None
        if text is None and word not in got:
            return False
        if text is not None and word in got:
            return False
    for run in re.findall(rb'[\x80-\xff]+', v):
        if nocontrols(raw8(run)) not in got:
            return False
    return True


def run_mhdr(mhdr, args, files):
    p = subprocess.run([mhdr, '-H'] + args, input=b'\n'.join(f.encode()
                       for f in files) + b'\n', capture_output=True)
    res = collections.defaultdict(list)
    for line in p.stdout.split(b'\n'):
        if not line:
            continue
        path, _, val = line.partition(b'\t')
        res[path.decode()].append(val.decode('utf-8'))   # must be UTF-8
    return res


def split_addr(line):
    """'Name <a@b>' or 'a@b' back into (name, addr)."""
    m = re.match(r'^(.*) <([^<>]*)>$', line)
    if not m:
        return ('', line)
    name = m.group(1)
    if len(name) >= 2 and name[0] == '"' and name[-1] == '"':
        name = re.sub(r'\\(.)', r'\1', name[1:-1])
    return (name, m.group(2))


def main():
    mhdr, field, kind = sys.argv[1:4]
    files = sys.argv[4:]
    if kind == 'text':
        ours = run_mhdr(mhdr, ['-d', '-h', field], files)
    else:
        ours = run_mhdr(mhdr, ['-d', '-A', '-h', field], files)
    cats = collections.Counter()
    bad = 0
    for f in files:
        with open(f, 'rb') as fp:
            v = field_value(fp.read(), field)
        got = ours.get(f, [])
        if v is None:
            if got:
                print('%s: mhdr printed %r for a missing field' % (f, got))
                bad += 1
            continue
        if kind == 'text':
            cat, want = py_text(v)
            if cat is None:
                if [want] == got or (want == '' and got == ['']):
                    cats['equal'] += 1
                    continue
                # Python puts a space between an encoded word and text
                # that touches it ("x=?..?=" gives "x a"); mailkit joins.
                if (EW.search(v) and len(got) == 1 and
                        re.sub(r'\s', '', want) == re.sub(r'\s', '', got[0])):
                    cats['white space next to encoded words'] += 1
                    continue
                print('%s: %s\n  python: %r\n  mhdr:   %r' % (f, v, want, got))
                bad += 1
                continue
            # Python could not decode: mailkit must leave each word it
            # could not decode as written, and print valid text.
            if len(got) != 1:
                print('%s: %s: mhdr printed %r' % (f, cat, got))
                bad += 1
                continue
            if not check_undecodable(v, got[0]):
                print('%s: %s: %r\n  mhdr:   %r' % (f, cat, v, got[0]))
                bad += 1
                continue
            cats[cat] += 1
            continue
        # addresses
        try:
            pairs = email.utils.getaddresses([v.decode('utf-8', 'mk1252')])
        except Exception as e:
            pairs = None
        pairs = [p for p in (pairs or []) if p[1]]
        theirs = []
        for name, addr in pairs:
            if name:
                c, dn = py_text(name.encode('utf-8'))
                # Deliberate: a display name is a phrase; a run of white
                # space in it means one space (RFC 5322 §3.2.2), where
                # Python keeps a folded tab.
                name = ' '.join(dn.split()) if c is None else None
            theirs.append((name, addr))
        mine = [split_addr(x) for x in got]
        if len(mine) == len(theirs) and all(
                t[0] is None and t[1] == m[1] or t == m
                for t, m in zip(theirs, mine)):
            cats['equal'] += 1
            continue
        if not theirs and mine and all(
                a and not a.startswith('=?') and
                ('@' in a or a.encode() in v) for _, a in mine) and all(
                a.decode() in [m[1] for m in mine]
                for a in re.findall(rb'<([^<>@\s]+@[^<>@\s]+)>', v)):
            # Python's strict getaddresses gives up on the whole field
            # (routes, two @, unbalanced brackets, '@' inside an encoded
            # word); mailkit keeps every address it can find, and only
            # addresses.
            cats['python finds no address'] += 1
            continue
        print('%s: %s\n  python: %r\n  mhdr:   %r' % (f, v, theirs, mine))
        bad += 1
    print('%s %s: %d differ; %s' % (field, kind, bad,
          ', '.join('%s %d' % kv for kv in sorted(cats.items()))))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
