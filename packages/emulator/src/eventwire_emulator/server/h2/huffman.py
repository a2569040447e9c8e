"""HPACK's static Huffman code (RFC 7541 section 5.2 and Appendix B): decode and encode."""

from __future__ import annotations

#: ``(code, bit length)`` for byte values 0-255 and EOS (256), in symbol order, as
#: listed in RFC 7541 Appendix B (codes right-aligned, as in its hex column).
CODES: tuple[tuple[int, int], ...] = (
    (0x1FF8, 13), (0x7FFFD8, 23), (0xFFFFFE2, 28), (0xFFFFFE3, 28),
    (0xFFFFFE4, 28), (0xFFFFFE5, 28), (0xFFFFFE6, 28), (0xFFFFFE7, 28),
    (0xFFFFFE8, 28), (0xFFFFEA, 24), (0x3FFFFFFC, 30), (0xFFFFFE9, 28),
    (0xFFFFFEA, 28), (0x3FFFFFFD, 30), (0xFFFFFEB, 28), (0xFFFFFEC, 28),
    (0xFFFFFED, 28), (0xFFFFFEE, 28), (0xFFFFFEF, 28), (0xFFFFFF0, 28),
    (0xFFFFFF1, 28), (0xFFFFFF2, 28), (0x3FFFFFFE, 30), (0xFFFFFF3, 28),
    (0xFFFFFF4, 28), (0xFFFFFF5, 28), (0xFFFFFF6, 28), (0xFFFFFF7, 28),
    (0xFFFFFF8, 28), (0xFFFFFF9, 28), (0xFFFFFFA, 28), (0xFFFFFFB, 28),
    (0x14, 6), (0x3F8, 10), (0x3F9, 10), (0xFFA, 12),  # ' ' ! " #
    (0x1FF9, 13), (0x15, 6), (0xF8, 8), (0x7FA, 11),  # $ % & '
    (0x3FA, 10), (0x3FB, 10), (0xF9, 8), (0x7FB, 11),  # ( ) * +
    (0xFA, 8), (0x16, 6), (0x17, 6), (0x18, 6),  # , - . /
    (0x0, 5), (0x1, 5), (0x2, 5), (0x19, 6),  # 0 1 2 3
    (0x1A, 6), (0x1B, 6), (0x1C, 6), (0x1D, 6),  # 4 5 6 7
    (0x1E, 6), (0x1F, 6), (0x5C, 7), (0xFB, 8),  # 8 9 : ;
    (0x7FFC, 15), (0x20, 6), (0xFFB, 12), (0x3FC, 10),  # < = > ?
    (0x1FFA, 13), (0x21, 6), (0x5D, 7), (0x5E, 7),  # @ A B C
    (0x5F, 7), (0x60, 7), (0x61, 7), (0x62, 7),  # D E F G
    (0x63, 7), (0x64, 7), (0x65, 7), (0x66, 7),  # H I J K
    (0x67, 7), (0x68, 7), (0x69, 7), (0x6A, 7),  # L M N O
    (0x6B, 7), (0x6C, 7), (0x6D, 7), (0x6E, 7),  # P Q R S
    (0x6F, 7), (0x70, 7), (0x71, 7), (0x72, 7),  # T U V W
    (0xFC, 8), (0x73, 7), (0xFD, 8), (0x1FFB, 13),  # X Y Z [
    (0x7FFF0, 19), (0x1FFC, 13), (0x3FFC, 14), (0x22, 6),  # \ ] ^ _
    (0x7FFD, 15), (0x3, 5), (0x23, 6), (0x4, 5),  # ` a b c
    (0x24, 6), (0x5, 5), (0x25, 6), (0x26, 6),  # d e f g
    (0x27, 6), (0x6, 5), (0x74, 7), (0x75, 7),  # h i j k
    (0x28, 6), (0x29, 6), (0x2A, 6), (0x7, 5),  # l m n o
    (0x2B, 6), (0x76, 7), (0x2C, 6), (0x8, 5),  # p q r s
    (0x9, 5), (0x2D, 6), (0x77, 7), (0x78, 7),  # t u v w
    (0x79, 7), (0x7A, 7), (0x7B, 7), (0x7FFE, 15),  # x y z {
    (0x7FC, 11), (0x3FFD, 14), (0x1FFD, 13), (0xFFFFFFC, 28),  # | } ~ DEL
    (0xFFFE6, 20), (0x3FFFD2, 22), (0xFFFE7, 20), (0xFFFE8, 20),  # 128
    (0x3FFFD3, 22), (0x3FFFD4, 22), (0x3FFFD5, 22), (0x7FFFD9, 23),
    (0x3FFFD6, 22), (0x7FFFDA, 23), (0x7FFFDB, 23), (0x7FFFDC, 23),
    (0x7FFFDD, 23), (0x7FFFDE, 23), (0xFFFFEB, 24), (0x7FFFDF, 23),
    (0xFFFFEC, 24), (0xFFFFED, 24), (0x3FFFD7, 22), (0x7FFFE0, 23),  # 144
    (0xFFFFEE, 24), (0x7FFFE1, 23), (0x7FFFE2, 23), (0x7FFFE3, 23),
    (0x7FFFE4, 23), (0x1FFFDC, 21), (0x3FFFD8, 22), (0x7FFFE5, 23),
    (0x3FFFD9, 22), (0x7FFFE6, 23), (0x7FFFE7, 23), (0xFFFFEF, 24),
    (0x3FFFDA, 22), (0x1FFFDD, 21), (0xFFFE9, 20), (0x3FFFDB, 22),  # 160
    (0x3FFFDC, 22), (0x7FFFE8, 23), (0x7FFFE9, 23), (0x1FFFDE, 21),
    (0x7FFFEA, 23), (0x3FFFDD, 22), (0x3FFFDE, 22), (0xFFFFF0, 24),
    (0x1FFFDF, 21), (0x3FFFDF, 22), (0x7FFFEB, 23), (0x7FFFEC, 23),
    (0x1FFFE0, 21), (0x1FFFE1, 21), (0x3FFFE0, 22), (0x1FFFE2, 21),  # 176
    (0x7FFFED, 23), (0x3FFFE1, 22), (0x7FFFEE, 23), (0x7FFFEF, 23),
    (0xFFFEA, 20), (0x3FFFE2, 22), (0x3FFFE3, 22), (0x3FFFE4, 22),
    (0x7FFFF0, 23), (0x3FFFE5, 22), (0x3FFFE6, 22), (0x7FFFF1, 23),
    (0x3FFFFE0, 26), (0x3FFFFE1, 26), (0xFFFEB, 20), (0x7FFF1, 19),  # 192
    (0x3FFFE7, 22), (0x7FFFF2, 23), (0x3FFFE8, 22), (0x1FFFFEC, 25),
    (0x3FFFFE2, 26), (0x3FFFFE3, 26), (0x3FFFFE4, 26), (0x7FFFFDE, 27),
    (0x7FFFFDF, 27), (0x3FFFFE5, 26), (0xFFFFF1, 24), (0x1FFFFED, 25),
    (0x7FFF2, 19), (0x1FFFE3, 21), (0x3FFFFE6, 26), (0x7FFFFE0, 27),  # 208
    (0x7FFFFE1, 27), (0x3FFFFE7, 26), (0x7FFFFE2, 27), (0xFFFFF2, 24),
    (0x1FFFE4, 21), (0x1FFFE5, 21), (0x3FFFFE8, 26), (0x3FFFFE9, 26),
    (0xFFFFFFD, 28), (0x7FFFFE3, 27), (0x7FFFFE4, 27), (0x7FFFFE5, 27),
    (0xFFFEC, 20), (0xFFFFF3, 24), (0xFFFED, 20), (0x1FFFE6, 21),  # 224
    (0x3FFFE9, 22), (0x1FFFE7, 21), (0x1FFFE8, 21), (0x7FFFF3, 23),
    (0x3FFFEA, 22), (0x3FFFEB, 22), (0x1FFFFEE, 25), (0x1FFFFEF, 25),
    (0xFFFFF4, 24), (0xFFFFF5, 24), (0x3FFFFEA, 26), (0x7FFFF4, 23),
    (0x3FFFFEB, 26), (0x7FFFFE6, 27), (0x3FFFFEC, 26), (0x3FFFFED, 26),  # 240
    (0x7FFFFE7, 27), (0x7FFFFE8, 27), (0x7FFFFE9, 27), (0x7FFFFEA, 27),
    (0x7FFFFEB, 27), (0xFFFFFFE, 28), (0x7FFFFEC, 27), (0x7FFFFED, 27),
    (0x7FFFFEE, 27), (0x7FFFFEF, 27), (0x7FFFFF0, 27), (0x3FFFFEE, 26),
    (0x3FFFFFFF, 30),  # EOS
)  # fmt: skip
EOS = 256


class HuffmanError(ValueError):
    """A Huffman-coded string that RFC 7541 section 5.2 says is a decoding error."""


def _build() -> tuple[list[tuple[int, bytes, bool]], list[bool]]:
    """Tabulate the code tree four bits at a time, so decoding costs two steps a byte.

    Returns one ``(next node, symbols emitted, failed)`` per ``node * 16 + nibble``, and
    for each node whether ending there is valid padding (at most 7 one bits).
    """
    # Tree nodes: children[node] = [zero, one]; a child >= 0 is a node, -1 - s a leaf.
    children: list[list[int | None]] = [[None, None]]
    padding_ok = [True]
    for symbol, (code, length) in enumerate(CODES):
        node = 0
        for position in range(length - 1, -1, -1):
            bit = (code >> position) & 1
            if position == 0:
                children[node][bit] = -1 - symbol
                break
            child = children[node][bit]
            if child is None:
                children.append([None, None])
                depth = length - position
                padding_ok.append(padding_ok[node] and bit == 1 and depth <= 7)
                child = len(children) - 1
                children[node][bit] = child
            assert child >= 0, "the Huffman code is prefix-free"
            node = child
    table: list[tuple[int, bytes, bool]] = []
    for start in range(len(children)):
        for nibble in range(16):
            node, out, failed = start, bytearray(), False
            for position in (3, 2, 1, 0):
                child = children[node][(nibble >> position) & 1]
                assert child is not None, "the Huffman code is complete"
                if child >= 0:
                    node = child
                elif -1 - child == EOS:
                    failed = True
                    break
                else:
                    out.append(-1 - child)
                    node = 0
            table.append((node, bytes(out), failed))
    return table, padding_ok


_TABLE, _PADDING_OK = _build()


def decode(data: bytes) -> bytes:
    """Decode a Huffman-coded string literal.

    Raises:
        HuffmanError: the string holds EOS, or its padding is not at most 7 one bits.
    """
    out = bytearray()
    node = 0
    table = _TABLE
    for byte in data:
        for nibble in (byte >> 4, byte & 0x0F):
            node, symbols, failed = table[node * 16 + nibble]
            if failed:
                raise HuffmanError("A Huffman-coded string contains EOS.")
            out += symbols
    if not _PADDING_OK[node]:
        raise HuffmanError("A Huffman-coded string has invalid padding.")
    return bytes(out)


def encode(data: bytes) -> bytes:
    """Huffman-code `data`, padded with the most significant bits of EOS."""
    value = 0
    bits = 0
    for byte in data:
        code, length = CODES[byte]
        value = (value << length) | code
        bits += length
    pad = -bits % 8
    value = (value << pad) | ((1 << pad) - 1)
    return value.to_bytes((bits + pad) // 8, "big")
