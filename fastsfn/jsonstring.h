/* Writing JSON text: UTF-8 text escaped as the inside of a JSON string, as msgspec and orjson
 * escape it (only '"', '\\' and bytes below 0x20), sixteen bytes at a time with SSE2, eight
 * (one 64-bit word) elsewhere, once or twice (JSON inside a JSON string), and unescaped;
 * integers in decimal; floats as msgspec writes them in fixed notation. Declared for Cython
 * in jsonstring.pxd. */
#ifndef FASTSFN_JSONSTRING_H
#define FASTSFN_JSONSTRING_H

#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static inline int fastsfn_needs_escape(unsigned char c) {
    return c < 0x20 || c == '"' || c == '\\';
}

/* How many bytes fastsfn_escape_byte writes for c. */
static inline ptrdiff_t fastsfn_escaped_size(unsigned char c) {
    if (!fastsfn_needs_escape(c)) return 1;
    switch (c) {
    case '"': case '\\': case '\b': case '\t': case '\n': case '\f': case '\r': return 2;
    default: return 6;
    }
}

/* Write one byte as a JSON string holds it; return where the next goes. */
static inline char *fastsfn_escape_byte(char *out, unsigned char c) {
    static const char hex[] = "0123456789abcdef";
    char letter;
    if (!fastsfn_needs_escape(c)) {
        *out = (char)c;
        return out + 1;
    }
    switch (c) {
    case '"': letter = '"'; break;
    case '\\': letter = '\\'; break;
    case '\b': letter = 'b'; break;
    case '\t': letter = 't'; break;
    case '\n': letter = 'n'; break;
    case '\f': letter = 'f'; break;
    case '\r': letter = 'r'; break;
    default:
        out[0] = '\\'; out[1] = 'u'; out[2] = '0'; out[3] = '0';
        out[4] = hex[c >> 4]; out[5] = hex[c & 15];
        return out + 6;
    }
    out[0] = '\\';
    out[1] = letter;
    return out + 2;
}

/* Write one byte of a JSON string's text as a JSON string holds that text: escaped, and the
 * escape escaped again ('"' is \\\" and a newline \\n); at most 7 bytes. */
static inline char *fastsfn_escape_byte_twice(char *out, unsigned char c) {
    char once[6];
    ptrdiff_t n, i;
    if (!fastsfn_needs_escape(c)) {
        *out = (char)c;
        return out + 1;
    }
    n = fastsfn_escape_byte(once, c) - once;
    for (i = 0; i < n; i++) {   /* of an escape only its backslashes and quotes escape */
        out = fastsfn_escape_byte(out, (unsigned char)once[i]);
    }
    return out;
}

static inline char *fastsfn_escape_byte_as(char *out, unsigned char c, int twice) {
    return twice ? fastsfn_escape_byte_twice(out, c) : fastsfn_escape_byte(out, c);
}

/* Whether none of the eight bytes in x needs escaping (exact when none does: a borrow
 * starts only at a byte that does). */
static inline int fastsfn_plain_word(uint64_t x) {
    const uint64_t ones = 0x0101010101010101ULL;
    uint64_t quotes = x ^ (ones * '"'), backslashes = x ^ (ones * '\\');
    return ((((x - ones * 0x20) & ~x) | ((quotes - ones) & ~quotes)
             | ((backslashes - ones) & ~backslashes)) & (ones * 0x80)) == 0;
}

/* The same for four bytes. */
static inline int fastsfn_plain_half(uint32_t x) {
    const uint32_t ones = 0x01010101U;
    uint32_t quotes = x ^ (ones * '"'), backslashes = x ^ (ones * '\\');
    return ((((x - ones * 0x20) & ~x) | ((quotes - ones) & ~quotes)
             | ((backslashes - ones) & ~backslashes)) & (ones * 0x80)) == 0;
}

/* fastsfn_escape (twice 0: out has room for 6 * n bytes) and fastsfn_escape_twice (twice 1:
 * room for 7 * n). */
static inline char *fastsfn_escape_as(char *out, const unsigned char *src, ptrdiff_t n,
                                      int twice) {
    ptrdiff_t i = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i control = _mm_set1_epi8(0x1f);
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(src + i));
        __m128i special = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
            _mm_cmpeq_epi8(_mm_max_epu8(v, control), control));   /* v <= 0x1f */
        unsigned mask = (unsigned)_mm_movemask_epi8(special);   /* exact: one bit a byte */
        if (mask == 0) {
            _mm_storeu_si128((__m128i *)out, v);
            out += 16;
        } else if (i + 32 <= n) {
            /* Between the bytes to escape, plain runs copied sixteen bytes at a time (the
             * load may run past this chunk, not past the text; the store, past the run but
             * within the room the bytes not yet written reserve). */
            int at = 0;
            while (mask) {
                int k = __builtin_ctz(mask);
                _mm_storeu_si128((__m128i *)out, _mm_loadu_si128((const __m128i *)(src + i + at)));
                out = fastsfn_escape_byte_as(out + (k - at), src[i + k], twice);
                at = k + 1;
                mask &= mask - 1;
            }
            _mm_storeu_si128((__m128i *)out, _mm_loadu_si128((const __m128i *)(src + i + at)));
            out += 16 - at;
        } else {
            for (int k = 0; k < 16; k++, mask >>= 1) {
                if (mask & 1) {
                    out = fastsfn_escape_byte_as(out, src[i + k], twice);
                } else {
                    *out++ = (char)src[i + k];
                }
            }
        }
        i += 16;
    }
#else
    /* One 64-bit word at a time while no byte needs escaping; else up to the first that
     * does (the bytes after it may be marked too: they are looked at again). */
    const uint64_t ones = 0x0101010101010101ULL;
    while (i + 8 <= n) {
        uint64_t x, quotes, backslashes, special;
        memcpy(&x, src + i, 8);
        quotes = x ^ (ones * '"');
        backslashes = x ^ (ones * '\\');
        special = (((x - ones * 0x20) & ~x) | ((quotes - ones) & ~quotes)
                   | ((backslashes - ones) & ~backslashes)) & (ones * 0x80);
        if (special == 0) {
            memcpy(out, &x, 8);
            out += 8;
            i += 8;
            continue;
        }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        {
            int k = __builtin_ctzll(special) >> 3;
            memcpy(out, &x, 8);   /* the room holds it: six bytes or more are reserved per byte */
            out = fastsfn_escape_byte_as(out + k, src[i + k], twice);
            i += k + 1;
        }
#else
        break;
#endif
    }
#endif
    /* The last 4 to 15 bytes (all of a short string), when none needs escaping: as two
     * words that overlap (read within the text, written within the room, 6 bytes or more for
     * each byte left). */
    if (n - i >= 8 && n - i < 16) {
        uint64_t head, tail;
        memcpy(&head, src + i, 8);
        memcpy(&tail, src + n - 8, 8);
        if (fastsfn_plain_word(head) && fastsfn_plain_word(tail)) {
            memcpy(out, &head, 8);
            memcpy(out + (n - i) - 8, &tail, 8);
            return out + (n - i);
        }
    } else if (n - i >= 4) {
        uint32_t head, tail;
        memcpy(&head, src + i, 4);
        memcpy(&tail, src + n - 4, 4);
        if (fastsfn_plain_half(head) && fastsfn_plain_half(tail)) {
            memcpy(out, &head, 4);
            memcpy(out + (n - i) - 4, &tail, 4);
            return out + (n - i);
        }
    }
    for (; i < n; i++) {
        out = fastsfn_escape_byte_as(out, src[i], twice);
    }
    return out;
}

/* Write the n bytes at src escaped (no quotes around) at out, which has room for 6 * n
 * bytes; return where the next byte goes. */
static inline char *fastsfn_escape(char *out, const unsigned char *src, ptrdiff_t n) {
    return fastsfn_escape_as(out, src, n, 0);
}

/* Write the n bytes at src (a JSON string's text) as a JSON string holds the JSON string's
 * escaped text (no quotes around), at out, which has room for 7 * n bytes; return where the
 * next byte goes. */
static inline char *fastsfn_escape_twice(char *out, const unsigned char *src, ptrdiff_t n) {
    return fastsfn_escape_as(out, src, n, 1);
}

/* Copy the bytes at src up to the first '"' or '\\' (at most n) to out, which has room for
 * that many bytes and 16 more; return how many. */
static inline ptrdiff_t fastsfn_copy_plain(char *out, const unsigned char *src, ptrdiff_t n) {
    ptrdiff_t i = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(src + i));
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        _mm_storeu_si128((__m128i *)(out + i), v);
        if (mask) return i + __builtin_ctz(mask);
        i += 16;
    }
#endif
    for (; i < n && src[i] != '"' && src[i] != '\\'; i++) {
        out[i] = (char)src[i];
    }
    return i;
}

/* Write n in decimal at out (at most 20 bytes); return how many bytes. */
static inline ptrdiff_t fastsfn_digits(char *out, long long n) {
    char tmp[20];
    ptrdiff_t i = 0, k = 0;
    unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    do {
        tmp[i++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (n < 0) out[k++] = '-';
    while (i > 0) out[k++] = tmp[--i];
    return k;
}

/* Write x as msgspec writes a float, if it is 0 or 1e-4 <= |x| < 1e15 with at most 15
 * significant digits (the shortest decimal that reads back as x, in fixed notation: "20.1",
 * "22.0", "0.00012"); return how many bytes (at most 33), or 0 for any other x (then ask
 * msgspec). The decimal m / 10^k reads back as x exactly when the division of the two
 * (both exact as doubles: m < 2^53, k <= 22) gives x; the smallest such k is the shortest,
 * and m is the rounded x * 10^k (its rounding error is far below 1/2 at this size). */
static inline ptrdiff_t fastsfn_short_float(char *out, double x) {
    static const double powers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
                                    1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19};
    double a = x < 0 ? -x : x, scaled;
    long long m = 0;
    int k, sign = signbit(x) ? 1 : 0;
    char digits[24];
    ptrdiff_t n, length = 0, whole;
    if (a == 0) {
        memcpy(out, sign ? "-0.0" : "0.0", 4 - !sign);
        return 4 - !sign;
    }
    if (!(a >= 1e-4 && a < 1e15)) return 0;   /* NaN too */
    for (k = 0; k < 20; k++) {
        scaled = a * powers[k];
        if (scaled >= 1e15) return 0;
        m = llrint(scaled);
        if ((double)m / powers[k] == a) break;
    }
    if (k == 20) return 0;
    n = fastsfn_digits(digits, m);
    if (sign) out[length++] = '-';
    whole = n - k;
    if (whole <= 0) {   /* 0.000ddd */
        out[length++] = '0';
        out[length++] = '.';
        memset(out + length, '0', (size_t)-whole);
        length += -whole;
        memcpy(out + length, digits, (size_t)n);
        return length + n;
    }
    memcpy(out + length, digits, (size_t)whole);
    length += whole;
    out[length++] = '.';
    if (k == 0) {
        out[length++] = '0';
        return length;
    }
    memcpy(out + length, digits + whole, (size_t)k);
    return length + k;
}

/* Write the n bytes at src, the inside of a JSON string as fastsfn_escape writes it, as the
 * text it holds, at out, which has room for n + 16 bytes; return how many bytes. */
static inline ptrdiff_t fastsfn_unescape(char *out, const char *src, ptrdiff_t n) {
    ptrdiff_t i = 0, length = 0;
    char c;
    while (i < n) {
#if defined(__SSE2__)
        if (i + 16 <= n) {   /* up to the next backslash, sixteen bytes at a time */
            __m128i v = _mm_loadu_si128((const __m128i *)(src + i));
            unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
            int k = mask ? __builtin_ctz(mask) : 16;
            _mm_storeu_si128((__m128i *)(out + length), v);
            length += k;
            i += k;
            if (k == 16) continue;
        }
#endif
        c = src[i++];
        if (c != '\\') {
            out[length++] = c;
            continue;
        }
        c = src[i++];
        switch (c) {
        case 'b': out[length++] = '\b'; break;
        case 't': out[length++] = '\t'; break;
        case 'n': out[length++] = '\n'; break;
        case 'f': out[length++] = '\f'; break;
        case 'r': out[length++] = '\r'; break;
        case 'u':   /* \u00XX: a byte below 0x20 */
            out[length++] = (char)(((src[i + 2] - '0') << 4)
                                   | (src[i + 3] <= '9' ? src[i + 3] - '0' : src[i + 3] - 'a' + 10));
            i += 4;
            break;
        default: out[length++] = c;   /* '"' or '\\' */
        }
    }
    return length;
}

#endif
