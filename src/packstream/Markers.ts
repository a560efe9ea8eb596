/**
 * PackStream marker bytes, size limits and structure tags: every number the codec speaks, named
 * once, with the line of the specification it comes from (neo4j.com/docs/bolt/current/packstream,
 * .../bolt/structure-semantics).
 *
 * @since 0.1.0
 */

/**
 * Marker bytes (the first byte of every PackStream value).
 *
 * @since 0.1.0
 * @category constants
 */
export const Marker = {
  TINY_INT_MAX: 0x7f, // 00..7F: +TINY_INT, the marker is the value 0..127
  TINY_STRING: 0x80, // 80..8F: TINY_STRING, low nibble = UTF-8 byte length
  TINY_LIST: 0x90, // 90..9F: TINY_LIST, low nibble = item count
  TINY_MAP: 0xa0, // A0..AF: TINY_MAP, low nibble = entry count
  TINY_STRUCT: 0xb0, // B0..BF: TINY_STRUCT, low nibble = field count, then a tag byte
  NULL: 0xc0, // C0: NULL
  FLOAT_64: 0xc1, // C1: FLOAT_64, IEEE 754 double, big-endian
  FALSE: 0xc2, // C2: FALSE
  TRUE: 0xc3, // C3: TRUE
  FLOAT_32: 0xc6, // C6: never a PackStream value; only a Vector element type (Bolt 6.0)
  INT_8: 0xc8, // C8: INT_8
  INT_16: 0xc9, // C9: INT_16
  INT_32: 0xca, // CA: INT_32
  INT_64: 0xcb, // CB: INT_64
  BYTES_8: 0xcc, // CC: BYTES_8, u8 length
  BYTES_16: 0xcd, // CD: BYTES_16, u16 length
  BYTES_32: 0xce, // CE: BYTES_32, u32 length
  STRING_8: 0xd0, // D0: STRING_8, u8 byte length
  STRING_16: 0xd1, // D1: STRING_16, u16 byte length
  STRING_32: 0xd2, // D2: STRING_32, u32 byte length
  LIST_8: 0xd4, // D4: LIST_8, u8 count
  LIST_16: 0xd5, // D5: LIST_16, u16 count
  LIST_32: 0xd6, // D6: LIST_32, u32 count
  MAP_8: 0xd8, // D8: MAP_8, u8 count
  MAP_16: 0xd9, // D9: MAP_16, u16 count
  MAP_32: 0xda, // DA: MAP_32, u32 count
  STRUCT_8: 0xdc, // DC: STRUCT_8, u8 field count (legacy, no longer sent by servers)
  STRUCT_16: 0xdd, // DD: STRUCT_16, u16 field count (legacy)
  UUID: 0xe0, // E0: UUID, 16 raw bytes (PackStream v2, Bolt 6.1)
  TINY_INT_NEGATIVE_MIN: 0xf0 // F0..FF: -TINY_INT, the marker is the value -16..-1 as a signed byte
} as const

/**
 * Masks and offsets for the "tiny" markers, whose low nibble carries a size or a value.
 *
 * @since 0.1.0
 * @category constants
 */
export const Nibble = {
  HIGH_MASK: 0xf0, // the high nibble selects the tiny family (80, 90, A0, B0)
  LOW_MASK: 0x0f, // the low nibble is the size 0..15
  SIGNED_BYTE_OFFSET: 0x100 // F0..FF as a signed byte: marker - 256
} as const

/**
 * Size and range limits from the specification.
 *
 * @since 0.1.0
 * @category constants
 */
export const Limit = {
  TINY_SIZE_MAX: 15, // tiny string/list/map/struct hold at most 15 (4-bit size)
  UINT8_MAX: 0xff, // *_8 sizes
  UINT16_MAX: 0xffff, // *_16 sizes
  UINT32_MAX: 0xffff_ffff, // *_32 sizes ("fewer than 2^32")
  TINY_INT_MIN: -16, // -TINY_INT lower bound (F0)
  TINY_INT_MAX: 127, // +TINY_INT upper bound (7F)
  INT8_MIN: -0x80,
  INT16_MIN: -0x8000,
  INT16_MAX: 0x7fff,
  INT32_MIN: -0x8000_0000,
  INT32_MAX: 0x7fff_ffff,
  INT64_MIN: -(2n ** 63n), // INT_64: signed 64-bit
  INT64_MAX: 2n ** 63n - 1n,
  UUID_BYTES: 16, // UUID: 16 bytes, big-endian (RFC 9562 byte order)
  UINT32_RADIX: 0x1_0000_0000 // 2^32: splits an int64 into a signed high and an unsigned low word
} as const

/**
 * Byte widths of encoded headers and fixed-size values.
 *
 * @since 0.1.0
 * @category constants
 */
export const Width = {
  MARKER: 1,
  HEADER_TINY: 1, // size in the marker's low nibble
  HEADER_8: 2, // marker + u8 size
  HEADER_16: 3, // marker + u16 size
  HEADER_32: 5, // marker + u32 size (the largest size header)
  STRUCT_HEADER_MAX: 4, // STRUCT_16: marker + u16 size + tag
  INT_MAX: 9, // INT_64: marker + 8 bytes
  FLOAT: 9 // FLOAT_64: marker + 8 bytes
} as const

/**
 * Structure tags (the byte after a struct marker) of the value structures (Bolt structure semantics).
 *
 * @since 0.1.0
 * @category constants
 */
export const StructTag = {
  NODE: 0x4e, // 'N': id, labels, properties (+ element_id in Bolt 5)
  RELATIONSHIP: 0x52, // 'R': id, start, end, type, properties (+ 3 element ids in Bolt 5)
  UNBOUND_RELATIONSHIP: 0x72, // 'r': id, type, properties (+ element_id in Bolt 5)
  PATH: 0x50, // 'P': nodes, unbound relationships, index sequence
  POINT_2D: 0x58, // 'X': srid, x, y
  POINT_3D: 0x59, // 'Y': srid, x, y, z
  DATE: 0x44, // 'D': days since 1970-01-01
  TIME: 0x54, // 'T': nanoseconds of day, tz offset seconds
  LOCAL_TIME: 0x74, // 't': nanoseconds of day
  LOCAL_DATE_TIME: 0x64, // 'd': seconds since epoch, nanoseconds
  DATE_TIME: 0x49, // 'I': UTC seconds, nanoseconds, tz offset seconds (Bolt 5.0+, 4.4 utc patch)
  DATE_TIME_ZONE_ID: 0x69, // 'i': UTC seconds, nanoseconds, tz id (Bolt 5.0+, 4.4 utc patch)
  LEGACY_DATE_TIME: 0x46, // 'F': local seconds, nanoseconds, tz offset seconds (Bolt <= 4.4)
  LEGACY_DATE_TIME_ZONE_ID: 0x66, // 'f': local seconds, nanoseconds, tz id (Bolt <= 4.4)
  DURATION: 0x45, // 'E': months, days, seconds, nanoseconds
  VECTOR: 0x56, // 'V': element type marker (bytes), big-endian packed elements (bytes), Bolt 6.0
  UNSUPPORTED_TYPE: 0x3f // '?': name, min protocol major, min protocol minor, extra {message}, Bolt 6.0
} as const

/**
 * Field counts of the value structures.
 *
 * @since 0.1.0
 * @category constants
 */
export const StructSize = {
  NODE_V4: 3, // Bolt 4.4: id, labels, properties
  NODE_V5: 4, // Bolt 5.0+: ... element_id
  RELATIONSHIP_V4: 5, // id, start id, end id, type, properties
  RELATIONSHIP_V5: 8, // ... element_id, start element_id, end element_id
  UNBOUND_RELATIONSHIP_V4: 3, // id, type, properties
  UNBOUND_RELATIONSHIP_V5: 4, // ... element_id
  PATH: 3,
  POINT_2D: 3,
  POINT_3D: 4,
  DATE: 1,
  TIME: 2,
  LOCAL_TIME: 1,
  LOCAL_DATE_TIME: 2,
  DATE_TIME: 3,
  DURATION: 4,
  VECTOR: 2,
  UNSUPPORTED_TYPE: 4
} as const

/**
 * Vector element types and their marker bytes (Bolt 6.0 structure semantics, "Vector": the type
 * marker is a 1-byte BYTES value holding the PackStream marker of the element type).
 *
 * @since 0.1.0
 * @category constants
 */
export const VectorTypeMarker = {
  INT8: Marker.INT_8, // C8
  INT16: Marker.INT_16, // C9
  INT32: Marker.INT_32, // CA
  INT64: Marker.INT_64, // CB
  FLOAT32: Marker.FLOAT_32, // C6
  FLOAT64: Marker.FLOAT_64 // C1
} as const
