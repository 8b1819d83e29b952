/**
 * The benchmark table: each figure next to its target, printed and written to docs/BENCHMARKS.md with
 * the machine and the command; the previous run's table is kept underneath for comparison.
 */
import { cpus, totalmem } from "node:os"

export interface Row {
  readonly id: string
  readonly what: string
  readonly figure: number
  readonly unit?: string
  readonly target: string
  readonly pass: boolean | undefined
  readonly detail: string
}

const format = (row: Row) =>
  row.unit === undefined
    ? `${row.figure.toFixed(2)}×`
    : `${row.figure.toFixed(row.unit === "calls" ? 0 : 2)} ${row.unit}`
const verdict = (row: Row) => (row.pass === undefined ? "–" : row.pass ? "met" : "NOT met")

export const renderTable = (rows: ReadonlyArray<Row>): string => {
  const lines = rows.map((r) => [r.id, r.what, format(r), r.target, verdict(r), r.detail])
  const header = ["#", "measure", "figure", "target", "", "detail"]
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ")
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...lines.map(line)].join("\n")
}

const machine = () =>
  `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`

export const renderMarkdown = (options: {
  readonly rows: ReadonlyArray<Row>
  readonly notes: ReadonlyArray<string>
  readonly previous: string | undefined
  readonly tool: string
  readonly seconds: number
  readonly rounds: number
  readonly totalSeconds: number
}): string => {
  const table = [
    "| # | measure | figure | target | | detail |",
    "| --- | --- | --- | --- | --- | --- |",
    ...options.rows.map((r) => `| ${r.id} | ${r.what} | ${format(r)} | ${r.target} | ${verdict(r)} | ${r.detail} |`)
  ].join("\n")
  const run = [
    `## Latest run: ${new Date().toISOString()}`,
    "",
    `Machine: ${machine()}. Command: \`npx pnpm bench\` (${options.tool}, ${options.rounds} interleaved round(s) × ${options.seconds} s per target; servers pinned to core 0, load to core 1; ${options.totalSeconds.toFixed(0)} s in all).`,
    "Every figure is a ratio of medians of per-round ratios measured side by side in this run; absolute numbers in the detail column are context only.",
    "",
    table,
    "",
    ...options.notes.map((n) => `- note: ${n}`)
  ].join("\n")
  const previousRun =
    options.previous === undefined
      ? undefined
      : /## Latest run:[\s\S]*?(?=\n## Previous run|$)/.exec(options.previous)?.[0]
  return [
    "# Benchmarks",
    "",
    "Produced by `npx pnpm bench` (`apps/edge-proxy/bench/run.ts`). Targets come from the caching, client and evidence issues. Speed is never asserted in tests; this file is the record.",
    "",
    run,
    ...(previousRun === undefined ? [] : ["", previousRun.replace("## Latest run:", "## Previous run:")]),
    ""
  ].join("\n")
}
