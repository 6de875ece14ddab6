#!/usr/bin/env python3
"""Generate section-3 man pages for every public function of include/netmem/*.h.

Each page takes its synopsis from the prototype and its description from the
comment right above it (or above the group of prototypes it belongs to), plus
the header's opening comment as context.  Errors named in those comments
(-EINVAL, -ENOMEM, ...) are listed under ERRORS.  Run from anywhere:
    python3 docs/man/gen_man3.py        # writes docs/man/man3/*.3
    python3 docs/man/gen_man3.py --check   # the pages in the tree are what
                                           # the headers make (ctest t_man3)
"""
import os, re, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INC = os.path.join(ROOT, "include", "netmem")
OUT = os.path.join(ROOT, "docs", "man", "man3")

PROTO = re.compile(r"^(?!static)([a-z_][\w \*]*?[\s\*])(nm_\w+)\s*\(([^;{]*?)\)\s*;", re.S | re.M)


def clean_comment(c):
    lines = []
    for l in c.splitlines():
        l = l.strip()
        l = re.sub(r"^/\*+\s?", "", l)
        l = re.sub(r"\s*\*+/$", "", l)
        l = re.sub(r"^\*\s?", "", l)
        lines.append(l)
    return "\n".join(lines).strip()


def roff(s):
    s = s.replace("\\", "\\\\")
    out = []
    for l in s.splitlines():
        if l.startswith((".", "'")):
            l = "\\&" + l
        out.append(l)
    return "\n".join(out)


def parse(path):
    text = open(path).read()
    head = re.search(r"/\*(.*?)\*/", text[text.find("#define"):], re.S)
    intro = clean_comment("/*" + head.group(1) + "*/") if head else ""
    funcs = []
    for m in PROTO.finditer(text):
        start = m.start()
        before = text[:start].rstrip()
        comment = ""
        # the comment just above, skipping other prototypes of the same group
        j = start
        while True:
            # a blank line ends the group: a comment above it is another's
            if re.search(r"\n[ \t]*\n[ \t]*$", text[:j]):
                break
            seg = text[:j].rstrip()
            if seg.endswith("*/"):
                k = seg.rfind("/*")
                comment = clean_comment(seg[k:])
                break
            prev = seg.rfind("\n")
            line = seg[prev + 1:]
            if not line or line.startswith("#") or "{" in line or "}" in line or prev < 0:
                break
            if not re.search(r"[;,(]\s*$|^\s", line) and not line.strip().endswith(";"):
                break
            j = prev
        # a trailing comment on the prototype line
        tail = re.match(r"[ \t]*/\*(.*?)\*/", text[m.end():])
        if tail:
            comment = (comment + "\n" + tail.group(1).strip()).strip()
        proto = re.sub(r"\s+", " ", m.group(0)).replace("( ", "(")
        funcs.append((m.group(2), proto, comment))
    return intro, funcs


def page(name, header, proto, comment, intro):
    errs = sorted(set(re.findall(r"-E[A-Z0-9]+", comment)))
    ret = "On success a value >= 0 (see DESCRIPTION); on failure a negative errno " \
          "value, with a message for nm_last_error(3)."
    if proto.startswith("void "):
        ret = "None."
    elif re.match(r"(const )?(char|struct|uint64_t|uint32_t|bool|long|void \*)", proto) and "int " not in proto.split("(")[0]:
        ret = "See DESCRIPTION."
    desc = comment or "See the header's overview below."
    s = [f'.TH {name.upper()} 3 "2025" "netmem 0.1" "netmem manual"',
         ".SH NAME", f"{name} \\- netmem <netmem/{header}>",
         ".SH SYNOPSIS", ".nf", f".B #include <netmem/{header}>", ".PP", roff(proto), ".fi",
         ".PP", "Link with \\fIpkg-config --cflags --libs netmem\\fP (\\fI-lnetmem\\fP; with libnetmem.a also \\fI-lpcap -lpthread\\fP, what \\fIpkg-config --static\\fP adds).",
         ".SH DESCRIPTION", ".nf", roff(desc), ".fi"]
    s += [".SH RETURN VALUE", ret]
    if errs:
        s += [".SH ERRORS", "Named in the header for this function:"]
        for e in errs:
            s += [".TP", f".B {e[1:]}", "See DESCRIPTION."]
    s += [".SH CONTEXT", f"From <netmem/{header}>:", ".PP", ".nf", roff(intro[:2500]), ".fi",
          ".SH SEE ALSO", "netmem(1), nm_last_error(3), docs/guide.md"]
    return "\n".join(s) + "\n"


def write_pages(out):
    """Every page into out; returns the names written."""
    wrote = set()
    for h in sorted(os.listdir(INC)):
        if not h.endswith(".h"):
            continue
        intro, funcs = parse(os.path.join(INC, h))
        for name, proto, comment in funcs:
            with open(os.path.join(out, name + ".3"), "w") as f:
                f.write(page(name, h, proto, comment, intro))
            wrote.add(name + ".3")
    return wrote


# Which comment describes which prototype: a group shares the comment above
# it; a blank line or a section rule ends a group; a trailing comment adds.
SELFTEST = """#define X 1
/* Overview. */

/* Makes one. */
int nm_a_make(int x);
int nm_a_make_more(int x);

int nm_b_alone(int x);	/* >= 1 */
/* ---- A section ---- */

int nm_c_after_rule(void);
"""


def selftest():
    path = os.path.join(tempfile.mkdtemp(), "t.h")
    with open(path, "w") as f:
        f.write(SELFTEST)
    got = {name: comment for name, _, comment in parse(path)[1]}
    want = {"nm_a_make": "Makes one.", "nm_a_make_more": "Makes one.",
            "nm_b_alone": ">= 1", "nm_c_after_rule": ""}
    bad = [f"{k}: {got.get(k)!r}, want {v!r}" for k, v in want.items() if got.get(k) != v]
    for b in bad:
        print("gen_man3 self-test: " + b)
    return not bad


def check():
    """The pages in the tree are what the headers make now."""
    if not selftest():
        return 1
    tmp = tempfile.mkdtemp()
    wrote = write_pages(tmp)
    have = {p for p in os.listdir(OUT) if p.endswith(".3")}
    bad = sorted(p for p in wrote | have if p not in wrote or p not in have or
                 open(os.path.join(tmp, p)).read() != open(os.path.join(OUT, p)).read())
    for p in bad:
        print(f"docs/man/man3/{p}: not what the headers make "
              f"(python3 docs/man/gen_man3.py writes it)")
    print(f"{len(wrote)} pages, {len(bad)} out of date")
    return 1 if bad or not wrote else 0


def main(argv):
    if argv[1:] == ["--check"]:
        return check()
    os.makedirs(OUT, exist_ok=True)
    wrote = write_pages(OUT)
    # a page whose function left the public headers (renamed, made internal)
    stale = [p for p in os.listdir(OUT) if p.endswith(".3") and p not in wrote]
    for p in stale:
        os.remove(os.path.join(OUT, p))
    print(f"wrote {len(wrote)} pages to {OUT}" + (f", removed {len(stale)} stale" if stale else ""))
    return 0 if wrote else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
