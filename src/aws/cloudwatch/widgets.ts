// The CloudWatch dashboard body grammar we use (log, metric, text, alarm widgets) and a row layout
// on the 24-column grid, so the dashboard builders read as a list of rows.

export interface DashboardBody {
  widgets: PlacedWidget[];
}

export type WidgetJson =
  | { type: 'log'; properties: { region: string; title: string; query: string; view: 'table' | 'timeSeries'; stacked?: boolean } }
  | { type: 'metric'; properties: MetricProperties }
  | { type: 'text'; properties: { markdown: string } }
  | { type: 'alarm'; properties: { title: string; alarms: string[] } };

export interface MetricProperties {
  region: string;
  title: string;
  view: 'timeSeries' | 'singleValue';
  stacked: boolean;
  stat: string;
  period: number;
  metrics: MetricRow[];
  yAxis?: { left?: { min?: number; label?: string }; right?: { min?: number; label?: string } };
}

/**
 * One metric line: `[namespace, metricName, dimName, dimValue, ..., options?]`, or a math/search
 * expression `[{expression, id, label}]`.
 */
export type MetricRow = Array<string | MetricOptions>;
export interface MetricOptions {
  label?: string;
  stat?: string;
  region?: string;
  yAxis?: 'left' | 'right';
  expression?: string;
  id?: string;
  visible?: boolean;
}

export type PlacedWidget = WidgetJson & { x: number; y: number; width: number; height: number };

export interface Cell {
  width: number;
  height: number;
  widget: WidgetJson;
}

/** Lays rows of cells top to bottom; a row wider than 24 columns is a programming error. */
export function layout(rows: Cell[][]): DashboardBody {
  const widgets: PlacedWidget[] = [];
  let y = 0;
  for (const row of rows) {
    if (row.length === 0) continue;
    let x = 0;
    for (const c of row) {
      if (x + c.width > 24) throw new Error('dashboard row wider than 24 columns');
      widgets.push({ ...c.widget, x, y, width: c.width, height: c.height });
      x += c.width;
    }
    y += Math.max(...row.map((c) => c.height));
  }
  return { widgets };
}

export function metricRow(namespace: string, metric: string, dims: Record<string, string>, options?: MetricOptions): MetricRow {
  const row: MetricRow = [namespace, metric];
  for (const [k, v] of Object.entries(dims)) row.push(k, v);
  if (options && Object.keys(options).length > 0) row.push(options);
  return row;
}

export function metricWidget(p: Omit<MetricProperties, 'view' | 'stacked'> & { view?: MetricProperties['view'] }): WidgetJson {
  return { type: 'metric', properties: { view: 'timeSeries', stacked: false, ...p } };
}

export function textWidget(markdown: string): WidgetJson {
  return { type: 'text', properties: { markdown } };
}

/** Escapes what CloudWatch's markdown would otherwise read as formatting or links. */
export function mdEscape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+!|<>~]/g, (c) => `\\${c}`);
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
