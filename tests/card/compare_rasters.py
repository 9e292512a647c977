#!/usr/bin/env python3
"""Coarse comparison of two rasters of the same card (used by raster_test.cpp).

Usage: compare_rasters.py A.png B.png BACKDROP AVATAR_X AVATAR_Y AVATAR_COLOUR

Both PNGs are decoded with a small pure-Python decoder (zlib only), composited over
BACKDROP (the page colour behind the card, e.g. #ff00ff), and cut into 10 x 10 pixel
cells. They must agree on
  * the avatar: the pixel at (AVATAR_X, AVATAR_Y) has AVATAR_COLOUR in both;
  * where the ink is: a cell is "ink" when its mean colour differs from the card
    background (the most common cell colour); at least 95 % of the cells must have the
    same ink/no-ink verdict in both rasters;
  * the colours: at least 95 % of the cells have mean colours within 48 per channel.
Exits 0 when they agree, 1 (with the reason) when they do not, 2 on unreadable input.
"""
import struct
import sys
import zlib

CELL = 10


def decode_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour {colour})")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev, at = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return width, height, channels, rows


def composite(png, backdrop):
    width, height, channels, rows = png
    out = []
    for line in rows:
        pixels = []
        for x in range(width):
            px = line[x * channels:(x + 1) * channels]
            alpha = px[3] / 255 if channels == 4 else 1.0
            pixels.append(tuple(round(px[k] * alpha + backdrop[k] * (1 - alpha)) for k in range(3)))
        out.append(pixels)
    return out


def cells(image, width, height):
    grid = {}
    for cy in range(height // CELL):
        for cx in range(width // CELL):
            total = [0, 0, 0]
            for y in range(cy * CELL, cy * CELL + CELL):
                for x in range(cx * CELL, cx * CELL + CELL):
                    for k in range(3):
                        total[k] += image[y][x][k]
            grid[(cx, cy)] = tuple(t / (CELL * CELL) for t in total)
    return grid


def colour(text):
    text = text.lstrip("#")
    return tuple(int(text[i:i + 2], 16) for i in (0, 2, 4))


def close(a, b, tolerance):
    return all(abs(a[k] - b[k]) <= tolerance for k in range(3))


def main():
    if len(sys.argv) != 7:
        print(__doc__)
        return 2
    backdrop = colour(sys.argv[3])
    ax, ay, avatar = int(sys.argv[4]), int(sys.argv[5]), colour(sys.argv[6])
    try:
        a_png, b_png = decode_png(sys.argv[1]), decode_png(sys.argv[2])
    except (OSError, ValueError, zlib.error) as e:
        print(f"cannot read rasters: {e}")
        return 2
    if a_png[:2] != b_png[:2]:
        print(f"sizes differ: {a_png[:2]} vs {b_png[:2]}")
        return 1
    width, height = a_png[:2]
    a, b = composite(a_png, backdrop), composite(b_png, backdrop)
    for name, image in (("first", a), ("second", b)):
        if not close(image[ay][ax], avatar, 24):
            print(f"{name} raster: avatar pixel ({ax},{ay}) is {image[ay][ax]}, want {avatar}")
            return 1
    ga, gb = cells(a, width, height), cells(b, width, height)
    counts = {}
    for value in ga.values():
        key = tuple(round(v) for v in value)
        counts[key] = counts.get(key, 0) + 1
    background = max(counts, key=counts.get)
    ink_agree = sum((not close(ga[c], background, 6)) == (not close(gb[c], background, 6)) for c in ga)
    colour_agree = sum(close(ga[c], gb[c], 48) for c in ga)
    ink_cells = sum(not close(v, background, 6) for v in ga.values())
    total = len(ga)
    print(f"cells {total}, ink cells {ink_cells}, ink agreement {ink_agree / total:.3f}, "
          f"colour agreement {colour_agree / total:.3f}")
    if ink_cells < total // 20:
        print("the first raster is almost empty")
        return 1
    if ink_agree < 0.95 * total or colour_agree < 0.95 * total:
        bad = [c for c in ga if not close(ga[c], gb[c], 48)][:10]
        print(f"rasters disagree; first differing cells (x, y in cells of {CELL} px): {bad}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
