// Writes the Parquet fixtures of tests/Parquet/Fixtures with hyparquet-writer 0.17.0 (pure JavaScript, independent of
// Parquet.Net), and expected.json with the values each column holds, for tests/Parquet/FixtureTests.cs.
//   cd tools/parquet && npm install && node make-fixtures.mjs
// The values come from a seeded generator, so the files are the same on every run. Codecs: hyparquet-writer writes
// UNCOMPRESSED and SNAPPY itself; GZIP and BROTLI use Node's zlib as its compressors (the codecs it offers with them).
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { parquetWriteFile } from 'hyparquet-writer'

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tests/Parquet/Fixtures')
fs.mkdirSync(out, { recursive: true })

// mulberry32: a small seeded generator.
function generator(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const compressors = {
  GZIP: bytes => new Uint8Array(zlib.gzipSync(bytes)),
  BROTLI: bytes => new Uint8Array(zlib.brotliCompressSync(bytes)),
}
const expected = {}

// JSON cannot hold NaN, BigInt or Date: write those as text the test parses.
function plain(value) {
  if (value === null) return null
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  return value
}

function write(name, columnData, options = {}) {
  parquetWriteFile({ filename: path.join(out, name), columnData, compressors, ...options })
  expected[name] = {
    codec: options.codec ?? 'SNAPPY',
    rowGroupSize: options.rowGroupSize ?? null,
    columns: columnData.map(c => ({ name: c.name, type: c.type, nullable: c.nullable ?? true, values: Array.from(c.data, plain) })),
  }
}

const labels = ['setosa', 'versicolor', 'virginica']

function mixed(seed, rows) {
  const r = generator(seed)
  return [
    { name: 'f64', type: 'DOUBLE', nullable: false, data: Array.from({ length: rows }, () => r() * 20 - 10) },
    { name: 'f32', type: 'FLOAT', data: Array.from({ length: rows }, () => Math.fround(r() * 4 - 2)) },
    { name: 'i32', type: 'INT32', data: Array.from({ length: rows }, () => Math.floor(r() * 2001) - 1000) },
    { name: 'i64', type: 'INT64', nullable: false, data: Array.from({ length: rows }, () => BigInt(Math.floor(r() * 2 ** 40)) - 2n ** 39n) },
    { name: 'weight', type: 'DOUBLE', data: Array.from({ length: rows }, () => r() * 2) },
    { name: 'label', type: 'STRING', data: Array.from({ length: rows }, (_, i) => labels[(i + Math.floor(r() * 2)) % 3]) },
  ]
}

// The same 23 rows in three row groups (10, 10, 3) with each codec; f64 and i64 are REQUIRED, the others nullable
// (OPTIONAL in the schema) without any null.
for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI'])
  write(`mixed-${codec.toLowerCase()}.parquet`, mixed(7, 23), { codec, rowGroupSize: 10 })

// Integer classes (3, 7, 10: numeric order differs from text order), row groups of 5 then 7.
{
  const r = generator(11)
  const rows = 30
  write('int-classes.parquet', [
    { name: 'x1', type: 'DOUBLE', data: Array.from({ length: rows }, () => r()) },
    { name: 'x2', type: 'DOUBLE', data: Array.from({ length: rows }, () => r() - 0.5) },
    { name: 'class', type: 'INT32', data: Array.from({ length: rows }, (_, i) => [3, 7, 10][i % 3]) },
  ], { rowGroupSize: [5, 7] })
}

// Regression: two numeric targets, one DOUBLE and one FLOAT.
{
  const r = generator(13)
  const rows = 17
  const x = [0, 1, 2].map(() => Array.from({ length: rows }, () => r() * 2 - 1))
  write('regression.parquet', [
    { name: 'x1', type: 'DOUBLE', data: x[0] },
    { name: 'x2', type: 'DOUBLE', data: x[1] },
    { name: 'x3', type: 'DOUBLE', data: x[2] },
    { name: 'y1', type: 'DOUBLE', data: x[0].map((v, j) => 3 * v - x[1][j]) },
    { name: 'y2', type: 'FLOAT', data: x[2].map(v => Math.fround(v * v)) },
  ], { codec: 'GZIP', rowGroupSize: 6 })
}

// Refusals: each has one problem, at a known column and row.
function withLabel(columns, rows) {
  return [...columns, { name: 'label', type: 'STRING', data: Array.from({ length: rows }, (_, i) => labels[i % 3]) }]
}
const ramp = n => Array.from({ length: n }, (_, i) => i / 4)
write('null-feature.parquet', withLabel([
  { name: 'x1', type: 'DOUBLE', data: ramp(20) },
  { name: 'x2', type: 'DOUBLE', data: ramp(20).map((v, i) => (i === 13 ? null : v)) },
], 20), { rowGroupSize: 10 })
write('null-target.parquet', [
  { name: 'x1', type: 'DOUBLE', data: ramp(12) },
  { name: 'label', type: 'STRING', data: Array.from({ length: 12 }, (_, i) => (i === 4 ? null : labels[i % 3])) },
], { rowGroupSize: 5 })
write('string-feature.parquet', withLabel([
  { name: 'x1', type: 'DOUBLE', data: ramp(6) },
  { name: 'colour', type: 'STRING', data: ['red', 'green', 'blue', 'red', 'green', 'blue'] },
], 6))
write('bool-feature.parquet', withLabel([
  { name: 'x1', type: 'DOUBLE', data: ramp(6) },
  { name: 'flag', type: 'BOOLEAN', data: [true, false, true, false, true, false] },
], 6))
write('timestamp-feature.parquet', withLabel([
  { name: 'x1', type: 'DOUBLE', data: ramp(6) },
  { name: 'when', type: 'TIMESTAMP', data: Array.from({ length: 6 }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i))) },
], 6))
write('nan-feature.parquet', withLabel([
  { name: 'x1', type: 'DOUBLE', data: ramp(8).map((v, i) => (i === 5 ? NaN : v)) },
  { name: 'x2', type: 'DOUBLE', data: ramp(8) },
], 8), { rowGroupSize: 4 })
write('float-target.parquet', [
  { name: 'x1', type: 'DOUBLE', data: ramp(6) },
  { name: 'label', type: 'DOUBLE', data: [0, 1, 0, 1, 0, 1] },
])
write('empty.parquet', [
  { name: 'x1', type: 'DOUBLE', data: [] },
  { name: 'label', type: 'STRING', data: [] },
])

fs.writeFileSync(path.join(out, 'expected.json'), JSON.stringify(expected, null, 1) + '\n')
console.log(`wrote ${Object.keys(expected).length} files and expected.json to ${out}`)
