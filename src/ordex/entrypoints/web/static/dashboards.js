// The dashboards' charts, drawn with ECharts from the report the page carries as JSON
// (#dashboard-data: the same document GET /kpis answers). No inline handlers; each chart's
// container already holds its text alternative (aria-label) and a table beside it.
(function () {
  "use strict";

  function data() {
    return JSON.parse(document.getElementById("dashboard-data").textContent);
  }

  function pct(x) { return Math.round(x * 1000) / 10; }

  function bars(labels, series, opts) {
    opts = opts || {};
    return {
      tooltip: { trigger: "axis" },
      legend: series.length > 1 ? { type: "scroll", top: 0 } : undefined,
      grid: { left: 48, right: opts.right || 16, top: series.length > 1 ? 32 : 12, bottom: 64,
              containLabel: false },
      xAxis: { type: "category", data: labels, axisLabel: { rotate: labels.length > 6 ? 35 : 0 } },
      yAxis: opts.yAxis || { type: "value" },
      series: series,
    };
  }

  function entries(obj) { return Object.keys(obj || {}).map(function (k) { return [k, obj[k]]; }); }

  function options(kpis) {
    var d = kpis.dashboard;
    var days = d.exceptions_by_day.map(function (r) { return r.day; });
    var codes = d.root_cause_pareto.map(function (r) { return r.code; });
    var o = {};
    o.volume = bars(days, codes.map(function (c) {
      return { name: c, type: "bar", stack: "cases",
               data: d.exceptions_by_day.map(function (r) { return r.cases[c] || 0; }) };
    }));
    o.rate = bars(days, codes.map(function (c) {
      return { name: c, type: "line",
               data: d.exceptions_by_day.map(function (r) { return pct(r.rate[c] || 0); }) };
    }), { yAxis: { type: "value", name: "%" } });
    ["queue", "code", "region"].forEach(function (dim) {
      var rows = entries(d.open_backlog_by[dim]);
      o["backlog-" + dim] = bars(rows.map(function (r) { return r[0]; }), [
        { name: "open cases", type: "bar", data: rows.map(function (r) { return r[1].cases; }) },
        { name: "revenue at risk", type: "line", yAxisIndex: 1,
          data: rows.map(function (r) { return Number(r[1].value_at_risk); }) },
      ], { right: 64, yAxis: [{ type: "value", name: "cases" }, { type: "value", name: "value" }] });
    });
    var aging = entries(kpis.open_backlog_by_age);
    o.aging = bars(aging.map(function (r) { return r[0].replace(/_/g, " "); }),
                   [{ name: "open cases", type: "bar", data: aging.map(function (r) { return r[1]; }) }]);
    var cycle = entries(d.cycle_hours_by_code);
    o.cycle = bars(cycle.map(function (r) { return r[0]; }), [
      { name: "p50", type: "bar", data: cycle.map(function (r) { return r[1].p50; }) },
      { name: "p90", type: "bar", data: cycle.map(function (r) { return r[1].p90; }) },
    ], { yAxis: { type: "value", name: "hours" } });
    o.touchless = bars(days, [{ name: "touchless %", type: "line",
      data: d.touchless_by_day.map(function (r) { return pct(r.rate); }) }],
      { yAxis: { type: "value", name: "%", max: 100 } });
    o.sla = bars(["response SLA", "resolution SLA", "first touch"], [{ name: "%", type: "bar",
      data: [pct(kpis.response_sla_compliance), pct(kpis.resolution_sla_compliance),
             pct(kpis.first_touch_resolution_rate)] }], { yAxis: { type: "value", max: 100 } });
    [["queue", kpis.override_rate_by_queue], ["action", kpis.override_rate_by_action]]
      .forEach(function (pair) {
        var rows = entries(pair[1]);
        o["override-" + pair[0]] = bars(rows.map(function (r) { return r[0]; }), [
          { name: "override %", type: "bar", data: rows.map(function (r) { return pct(r[1]); }) }],
          { yAxis: { type: "value", name: "%" } });
      });
    o.pareto = bars(codes, [
      { name: "cases", type: "bar", data: d.root_cause_pareto.map(function (r) { return r.cases; }) },
      { name: "cumulative %", type: "line", yAxisIndex: 1,
        data: d.root_cause_pareto.map(function (r) { return pct(r.cumulative_share); }) },
    ], { right: 48, yAxis: [{ type: "value", name: "cases" },
                            { type: "value", name: "%", max: 100 }] });
    return o;
  }

  function draw() {
    if (typeof echarts === "undefined") { return; }
    var all = options(data());
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var option = all[el.dataset.chart];
      if (!option) { return; }
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    document.documentElement.dataset.chartsDrawn = String(charts.length);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
