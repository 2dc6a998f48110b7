/* Writing JSON text: UTF-8 text escaped as the inside of a JSON string, as msgspec and orjson
 * escape it (only '"', '\\' and bytes below 0x20), sixteen bytes at a time with SSE2, eight
 * (one 64-bit word) elsewhere; integers in decimal. Declared for Cython in jsonstring.pxd. */
#ifndef FASTSFN_JSONSTRING_H
#define FASTSFN_JSONSTRING_H

#include <stddef.h>
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

/* Write the n bytes at src escaped (no quotes around) at out, which has room for 6 * n
 * bytes; return where the next byte goes. */
static inline char *fastsfn_escape(char *out, const unsigned char *src, ptrdiff_t n) {
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
                out = fastsfn_escape_byte(out + (k - at), src[i + k]);
                at = k + 1;
                mask &= mask - 1;
            }
            _mm_storeu_si128((__m128i *)out, _mm_loadu_si128((const __m128i *)(src + i + at)));
            out += 16 - at;
        } else {
            for (int k = 0; k < 16; k++, mask >>= 1) {
                if (mask & 1) {
                    out = fastsfn_escape_byte(out, src[i + k]);
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
            memcpy(out, &x, 8);   /* the room holds it: six bytes are reserved per byte */
            out = fastsfn_escape_byte(out + k, src[i + k]);
            i += k + 1;
        }
#else
        break;
#endif
    }
#endif
    for (; i < n; i++) {
        out = fastsfn_escape_byte(out, src[i]);
    }
    return out;
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

#endif
