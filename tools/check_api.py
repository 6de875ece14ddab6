#!/usr/bin/env python3
"""Check the public API against src/libnetmem.map, the list chosen on purpose.

The map is the source of truth: a function is public because it is listed
there (and declared in include/netmem/), not because some header happens to
declare it.  This script checks, and writes nothing:

  1. every name in the map is declared in include/netmem/*.h;
  2. every function include/netmem/*.h declares (not static inline) is in
     the map;
  3. with --lib PATH: the shared library exports exactly the map's names;
  4. every name in the map has its man page docs/man/man3/NAME.3, and no
     page is left for a name that is not in the map;
  5. one private prefix: no private name (nm__, NM__) in include/netmem, no
     __nm_ name in src/, and each nm__ function used by the files of one
     folder of src/ (its module) only;
  6. the getter rule: a public nm_<object>_get_<thing>() returns int and
     fills caller memory through a pointer other than its object (a value accessor is nm_<object>_<attr>(), without get_), except
     nm_<object>_get_fd(), which returns a descriptor to poll, and
     nm_uring_get_sqe(), liburing's io_uring_get_sqe() renamed (code written
     for liburing ports by renaming calls);
  7. one word for receive: no public name says rcv (TCP's and the
     protocols' input paths, inside), and recv only in socket.h (the socket
     calls); rx is the NIC's, its queues' and the wires' word;
  8. the counters convention (include/netmem/error.h): every public call
     that fills a struct nm_*_stats takes its size (size_t) right after it;
  9. every public call that returns 0 or -errno (int, ssize_t) opens with
     NM_API_CALL() (src/util/err.h), so its errors name it without the
     code below typing its name;
 10. and no code types a function name in a message instead: no helper in
     src/ takes its caller's name as a `const char *fn` parameter, and no
     nm_err(), nm_err_wrap(), nm_err_sys() or nm_err_lit() format starts
     with a lowercase C identifier and ": " ("page_pool_create: ...",
     "shm: ...").  src/rt/ is another branch's and not read.

Usage: tools/check_api.py [--lib build/libnetmem.so]   (ctest t_symbol_map)
"""
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
INC = root / 'include' / 'netmem'
MAP = root / 'src' / 'libnetmem.map'
MAN = root / 'docs' / 'man' / 'man3'

# A prototype at the start of a line (not static inline, not a typedef).
DECL = re.compile(r'^(?!static|typedef|#|\s)[^;(){}#]*?\b(nm_[a-z0-9_]+)\s*\(', re.M)
# Exported data: "extern const struct ... nm_x;"
DATA = re.compile(r'^extern\s+const\s+struct\s+\w+\s+(nm_[a-z0-9_]+)\s*;', re.M)


def strip_comments(text):
    return re.sub(r'/\*.*?\*/', '', text, flags=re.S)


def header_decls():
    """{name: header} for every function and datum include/netmem declares,
    and the set of those that are functions."""
    decls, funcs = {}, set()
    for h in sorted(INC.glob('*.h')):
        text = strip_comments(h.read_text())
        for name in DECL.findall(text):
            decls[name] = h.name
            funcs.add(name)
        for name in DATA.findall(text):
            decls[name] = h.name
    return decls, funcs


PROTO = re.compile(r'^(?!static|typedef|#|\s)([^;(){}#]*?)\b(nm_[a-z0-9_]+)\s*\(([^;{]*?)\)\s*;',
                   re.M | re.S)


def prototypes():
    """[(header, return type, name, [parameters])] of include/netmem."""
    out = []
    for h in sorted(INC.glob('*.h')):
        for ret, name, params in PROTO.findall(strip_comments(h.read_text())):
            plist = [' '.join(p.split()) for p in params.split(',')] if params.strip() else []
            out.append((h.name, ' '.join(ret.split()), name, plist))
    return out


def is_out_param(p):
    """A parameter the callee writes through: a pointer or an array, not const."""
    if p.startswith('const ') and p.count('*') <= 1:
        return False
    return '*' in p or '[' in p


# liburing's names, kept as liburing spells them (io_uring_get_sqe())
LIBURING_GETTERS = {'nm_uring_get_sqe'}


def getter_errors():
    errors = []
    for h, ret, name, params in prototypes():
        if '_get_' not in name or name.endswith('_get_fd') or name in LIBURING_GETTERS:
            continue
        if ret != 'int':
            errors.append(f'include/netmem/{h}: {name} returns {ret}: a getter returns int '
                          '(0 or -errno); a value accessor is named without get_')
        # the first argument is the object (struct nm_<object> *), if any
        obj = re.match(r'(const )?struct (nm_\w+) \*', params[0]) if params else None
        outs = params[1:] if obj and name.startswith(obj.group(2) + '_get_') else params
        if not any(is_out_param(p) for p in outs):
            errors.append(f'include/netmem/{h}: {name} fills nothing: a getter fills caller '
                          'memory; a value accessor is named without get_')
    return errors


def private_errors():
    errors = []
    for h in sorted(INC.glob('*.h')):
        for n in sorted(set(re.findall(r'\b(nm__\w+|NM__\w+)', h.read_text()))):
            errors.append(f'include/netmem/{h.name}: private name {n} in a public header')
    users = {}
    for src in sorted((root / 'src').rglob('*.[ch]')):
        text = src.read_text()
        rel = src.relative_to(root)
        for n in sorted(set(re.findall(r'\b(__nm_\w+)', text))):
            errors.append(f'{rel}: {n}: the private prefix is nm__')
        for n in set(re.findall(r'\b(nm__[a-z]\w*)', text)):
            users.setdefault(n, set()).add(rel.parent.as_posix())
    for n, dirs in sorted(users.items()):
        if len(dirs) > 1:
            errors.append(f'{n} is used in {", ".join(sorted(dirs))}: an nm__ name is private '
                          'to one module; a function other layers call is nm_<object>_<verb>, '
                          'declared in an internal header')
    return errors


# A definition in src/: return type, name, parameters, then the body.
DEFN = re.compile(r'^(?!static)([a-z][\w *]*?[\s*])\(?(nm_\w+)\)?\([^;{]*?\)\s*\n\{\n(.*)$',
                  re.M)


def api_call_errors(mapped):
    errors, seen = [], set()
    for src in sorted((root / 'src').rglob('*.c')):
        for ret, name, first in DEFN.findall(src.read_text()):
            if name not in mapped:
                continue
            seen.add(name)
            if ret.strip() in ('int', 'ssize_t') and first.strip() != 'NM_API_CALL();':
                errors.append(f'{src.relative_to(root)}: {name} returns {ret.strip()} '
                              'and does not open with NM_API_CALL() (src/util/err.h)')
    return errors, seen


# The format of an error call: the literal(s) after its first argument.
ERR_CALL = re.compile(r'\bnm_err(?:_wrap|_sys|_lit)?\s*\(\s*[^,;]+?,\s*((?:"(?:[^"\\]|\\.)*"\s*)+)',
                      re.S)
FN_PARAM = re.compile(r'\bconst\s+char\s*\*\s*fn\s*[,)]')
NAMED = re.compile(r'[a-z_][a-z0-9_]*: ')


def typed_name_errors():
    """Messages that type a function's (or a layer's) name by hand."""
    errors = []
    for src in sorted((root / 'src').rglob('*.[ch]')):
        rel = src.relative_to(root)
        if rel.parts[1] == 'rt':
            continue
        # comments out, their lines kept, so the line numbers stay right
        text = re.sub(r'/\*.*?\*/', lambda c: '\n' * c.group(0).count('\n'), src.read_text(),
                      flags=re.S)
        for m in FN_PARAM.finditer(text):
            line = text.count('\n', 0, m.start()) + 1
            errors.append(f'{rel}:{line}: a `const char *fn` parameter: the public call names '
                          'itself (NM_API_CALL(), src/util/err.h)')
        for m in ERR_CALL.finditer(text):
            fmt = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
            if NAMED.match(fmt):
                line = text.count('\n', 0, m.start()) + 1
                errors.append(f'{rel}:{line}: message "{fmt}" starts with a name: the public '
                              'call goes in front by itself; say what went wrong in words')
    return errors


def map_names():
    text = strip_comments(MAP.read_text())
    m = re.search(r'global:(.*?)local:', text, re.S)
    if not m:
        raise SystemExit('src/libnetmem.map: no global: ... local: section')
    names = re.findall(r'\b([A-Za-z_]\w*)\s*;', m.group(1))
    return names


def lib_exports(lib):
    out = subprocess.run(['nm', '-D', '--defined-only', lib], check=True,
                         capture_output=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in 'TDRBVW':
            syms.add(parts[2].split('@')[0])
    return syms


def main(argv):
    errors = []
    decls, funcs = header_decls()
    names = map_names()
    mapped = set(names)

    dup = sorted({n for n in names if names.count(n) > 1})
    errors += [f'map: {n} listed twice' for n in dup]
    errors += [f'map: {n} is not declared in include/netmem/*.h'
               for n in sorted(mapped - decls.keys())]
    errors += [f'include/netmem/{decls[n]}: {n} is not in src/libnetmem.map '
               '(public on purpose? list it; internal? move it to a header under src/)'
               for n in sorted(decls.keys() - mapped)]

    if '--lib' in argv:
        lib = argv[argv.index('--lib') + 1]
        exported = lib_exports(lib)
        errors += [f'{lib}: exports {n}, which the map does not list'
                   for n in sorted(exported - mapped)]
        errors += [f'{lib}: does not export {n}' for n in sorted(mapped - exported)]

    pages = {p.stem for p in MAN.glob('*.3')}
    errors += [f'docs/man/man3: no page for {n} (docs/man/gen_man3.py)'
               for n in sorted((funcs & mapped) - pages)]
    errors += [f'docs/man/man3/{n}.3: {n} is not in the map (remove the page)'
               for n in sorted(pages - mapped)]

    errors += private_errors()
    errors += getter_errors()
    for h, _, name, params in prototypes():
        for i, p in enumerate(params):
            if re.match(r'struct nm_\w+_stats \*', p) and (
                    i + 1 == len(params) or not params[i + 1].startswith('size_t ')):
                errors.append(f'include/netmem/{h}: {name}: a stats struct is followed by '
                              'its size_t size (error.h)')
    for h, _, name, _ in prototypes():
        if 'rcv' in name or ('recv' in name and h != 'socket.h'):
            errors.append(f'include/netmem/{h}: {name}: receive is recv for socket calls, '
                          'rx for the NIC, its queues and wires (docs/api.md)')
    call_errors, defined = api_call_errors(mapped)
    errors += call_errors
    errors += typed_name_errors()
    errors += [f'src/: no definition of {n} found (check_api.py reads '
               '"type\\nname(args)\\n{" at the start of a line)'
               for n in sorted((funcs & mapped) - defined)]

    for e in errors:
        print('FAIL', e)
    if errors:
        return 1
    print(f'PASS public API: {len(mapped)} names in the map, declared, '
          f'{"exported, " if "--lib" in argv else ""}documented')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
