#!/usr/bin/env python3
"""tpo_edit.py IN OUT CODE: a compiled script's .tinyprobe section (format 1,
runtime/tpo.c and lang/plan_io.c) read into `s`, changed by the Python CODE,
and written to OUT: the new section's bytes at the file's end, its header
pointed at them. tests/compiled.sh makes hostile compiled scripts with it."""
import struct, sys


class R:
    def __init__(s, b):
        s.b, s.p = b, 0

    def u8(s):
        v = s.b[s.p]; s.p += 1; return v

    def u32(s):
        v = struct.unpack_from('<I', s.b, s.p)[0]; s.p += 4; return v

    def u64(s):
        v = struct.unpack_from('<Q', s.b, s.p)[0]; s.p += 8; return v

    def str(s):
        n = s.u32(); v = s.b[s.p:s.p + n]; s.p += n; return v

    def loc(s):
        return [s.u32() for _ in range(4)]


class W:
    def __init__(s):
        s.b = bytearray()

    def u8(s, v): s.b += struct.pack('<B', v)
    def u32(s, v): s.b += struct.pack('<I', v & 0xffffffff)
    def u64(s, v): s.b += struct.pack('<Q', v & 0xffffffffffffffff)

    def str(s, v):
        if isinstance(v, str):
            v = v.encode()
        s.u32(len(v)); s.b += v

    def loc(s, l):
        for x in l:
            s.u32(x)


TY = ['kind', 'signed', 'size', 'user', 'btf', 'rec', 'mode']


def rty(r):
    return dict(kind=r.u8(), signed=r.u8(), size=r.u32(), user=r.u8(), btf=r.u32(), rec=r.u32(),
                mode=r.u8())


def wty(w, t):
    w.u8(t['kind']); w.u8(t['signed']); w.u32(t['size']); w.u8(t['user']); w.u32(t['btf'])
    w.u32(t['rec']); w.u8(t['mode'])


def parse(b):
    r = R(b)
    s = {}
    s['magic'] = bytes(r.b[0:4]); r.p = 4
    s['format'] = r.u32()
    s['version'] = r.str(); s['name'] = r.str(); s['text'] = r.str()
    s['opts'] = [r.u32() for _ in range(4)]
    s['params'] = [r.str() for _ in range(r.u32())]
    s['kernel'] = r.str()
    s['names_size'] = r.u32()
    s['spans'] = [r.loc() for _ in range(r.u32())]
    progs = []
    for _ in range(r.u32()):
        progs.append(dict(name=r.str(), section=r.str(), text=r.str(), loc=r.loc(), point=r.u32(),
                          shared=r.u8(), has_loop=r.u8(), loop_at=r.loc()))
    s['progs'] = progs
    s['ncpus'] = r.u32()
    recs = []
    for _ in range(r.u32()):
        rec = dict(name=r.str(), tuple=r.u8(), btf=r.u32(), size=r.u32())
        rec['fields'] = [dict(name=r.str(), off=r.u32(), ty=rty(r), count=r.u32(), bit_off=r.u8(),
                              bit_size=r.u8()) for _ in range(r.u32())]
        recs.append(rec)
    s['records'] = recs
    enums = []
    for _ in range(r.u32()):
        enums.append([(r.str(), r.u64()) for _ in range(r.u32())])
    s['enums'] = enums
    s['stacks'] = [dict(user=r.u8(), depth=r.u32(), dwarf=r.u8()) for _ in range(r.u32())]
    maps = []
    for _ in range(r.u32()):
        m = dict(name=r.str())
        m['keys'] = [rty(r) for _ in range(r.u32())]
        m['agg'] = r.u8(); m['value'] = rty(r); m['key_at'] = r.loc(); m['value_at'] = r.loc()
        m['lhist'] = [r.u64() for _ in range(3)]
        m['deleted'] = r.u8(); m['deferred'] = r.u8()
        maps.append(m)
    s['maps'] = maps
    s['reqs'] = [dict(kind=r.u8(), map=r.u32(), top=r.u64()) for _ in range(r.u32())]
    evs = []
    for _ in range(r.u32()):
        e = dict(laid_out=r.u8())
        if e['laid_out']:
            e['kind'] = r.u8(); e['size'] = r.u32()
            e['fmt'] = None
            if r.u8():
                n = r.u32()
                e['fmt'] = [dict(lit=r.str(), spec=r.str(), conv=r.u8(), len=r.u8(), at=r.loc())
                            for _ in range(n + 1)]
            args = []
            for _ in range(r.u32()):
                a = dict(ty=rty(r), src=r.u8(), off=r.u32())
                a['text'] = r.str() if r.u8() else None
                a['ival'] = r.u64()
                args.append(a)
            e['args'] = args
        evs.append(e)
    s['events'] = evs
    s['user_symbols'] = r.u8(); s['uses_cpid'] = r.u8(); s['unsafe'] = r.u8()
    pts = []
    for _ in range(r.u32()):
        p = dict(kind=r.str(), target=r.str(), nargs=r.u32(), void_return=r.u8())
        p['fields'] = [dict(name=r.str(), decl=r.str(), kind=r.u8(), offset=r.u32(), size=r.u32(),
                            signed=r.u8()) for _ in range(r.u32())]
        pts.append(p)
    s['points'] = pts
    assert r.p == len(b), (r.p, len(b))
    return s


def serialize(s):
    w = W()
    w.b += s['magic']; w.u32(s['format'])
    w.str(s['version']); w.str(s['name']); w.str(s['text'])
    for x in s['opts']:
        w.u32(x)
    w.u32(len(s['params']))
    for p in s['params']:
        w.str(p)
    w.str(s['kernel'])
    w.u32(s['names_size'])
    w.u32(len(s['spans']))
    for l in s['spans']:
        w.loc(l)
    w.u32(len(s['progs']))
    for p in s['progs']:
        w.str(p['name']); w.str(p['section']); w.str(p['text']); w.loc(p['loc']); w.u32(p['point'])
        w.u8(p['shared']); w.u8(p['has_loop']); w.loc(p['loop_at'])
    w.u32(s['ncpus'])
    w.u32(len(s['records']))
    for rec in s['records']:
        w.str(rec['name']); w.u8(rec['tuple']); w.u32(rec['btf']); w.u32(rec['size'])
        w.u32(len(rec['fields']))
        for f in rec['fields']:
            w.str(f['name']); w.u32(f['off']); wty(w, f['ty']); w.u32(f['count'])
            w.u8(f['bit_off']); w.u8(f['bit_size'])
    w.u32(len(s['enums']))
    for e in s['enums']:
        w.u32(len(e))
        for n, v in e:
            w.str(n); w.u64(v)
    w.u32(len(s['stacks']))
    for st in s['stacks']:
        w.u8(st['user']); w.u32(st['depth']); w.u8(st['dwarf'])
    w.u32(len(s['maps']))
    for m in s['maps']:
        w.str(m['name']); w.u32(len(m['keys']))
        for k in m['keys']:
            wty(w, k)
        w.u8(m['agg']); wty(w, m['value']); w.loc(m['key_at']); w.loc(m['value_at'])
        for x in m['lhist']:
            w.u64(x)
        w.u8(m['deleted']); w.u8(m['deferred'])
    w.u32(len(s['reqs']))
    for q in s['reqs']:
        w.u8(q['kind']); w.u32(q['map']); w.u64(q['top'])
    w.u32(len(s['events']))
    for e in s['events']:
        w.u8(e['laid_out'])
        if not e['laid_out']:
            continue
        w.u8(e['kind']); w.u32(e['size'])
        w.u8(e['fmt'] is not None)
        if e['fmt'] is not None:
            w.u32(len(e['fmt']) - 1)
            for c in e['fmt']:
                w.str(c['lit']); w.str(c['spec']); w.u8(c['conv']); w.u8(c['len']); w.loc(c['at'])
        w.u32(len(e['args']))
        for a in e['args']:
            wty(w, a['ty']); w.u8(a['src']); w.u32(a['off'])
            w.u8(a['text'] is not None)
            if a['text'] is not None:
                w.str(a['text'])
            w.u64(a['ival'])
    w.u8(s['user_symbols']); w.u8(s['uses_cpid']); w.u8(s['unsafe'])
    w.u32(len(s['points']))
    for p in s['points']:
        w.str(p['kind']); w.str(p['target']); w.u32(p['nargs']); w.u8(p['void_return'])
        w.u32(len(p['fields']))
        for f in p['fields']:
            w.str(f['name']); w.str(f['decl']); w.u8(f['kind']); w.u32(f['offset'])
            w.u32(f['size']); w.u8(f['signed'])
    return bytes(w.b)


def find(elf):
    shoff = struct.unpack_from('<Q', elf, 0x28)[0]
    shnum, shstrndx = struct.unpack_from('<HH', elf, 0x3c)
    strtab_off = struct.unpack_from('<Q', elf, shoff + 64 * shstrndx + 0x18)[0]
    for i in range(shnum):
        h = shoff + 64 * i
        name = struct.unpack_from('<I', elf, h)[0]
        n = elf[strtab_off + name:elf.index(b'\0', strtab_off + name)]
        if n == b'.tinyprobe':
            off, size = struct.unpack_from('<QQ', elf, h + 0x18)
            return h, off, size
    raise SystemExit('no .tinyprobe')


def load(path):
    elf = bytearray(open(path, 'rb').read())
    h, off, size = find(elf)
    return elf, parse(bytes(elf[off:off + size]))


def save(path, elf, s, raw=None):
    elf = bytearray(elf)
    h, off, size = find(elf)
    body = raw if raw is not None else serialize(s)
    while len(elf) % 8:
        elf.append(0)
    at = len(elf)
    elf += body
    struct.pack_into('<QQ', elf, h + 0x18, at, len(body))
    open(path, 'wb').write(elf)


if __name__ == '__main__':
    elf, s = load(sys.argv[1])
    exec(sys.argv[3], {'s': s})
    save(sys.argv[2], elf, s)
