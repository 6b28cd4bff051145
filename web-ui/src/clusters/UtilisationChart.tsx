import ReactEChartsCore from "echarts-for-react/lib/core";
import { LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import type { UsageSample } from "./useUtilisationHistory";

// Only the parts of ECharts this chart uses, to keep the bundle small.
echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** Fleet CPU, memory and desktop-slot utilisation since the page was opened. */
export default function UtilisationChart({ samples }: { samples: UsageSample[] }) {
  const series = (name: string, pick: (s: UsageSample) => number) => ({
    name,
    type: "line" as const,
    showSymbol: false,
    data: samples.map((s) => [s.at, pick(s)]),
  });
  const option = {
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: (v: number) => `${v}%` },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 24 },
    xAxis: { type: "time" },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      series("CPU", (s) => s.cpu),
      series("Memory", (s) => s.memory),
      series("Desktops", (s) => s.desktops),
    ],
  };
  return (
    <div role="img" aria-label="Fleet utilisation over time" data-samples={samples.length}>
      <ReactEChartsCore echarts={echarts} option={option} style={{ height: 260 }} notMerge />
    </div>
  );
}
