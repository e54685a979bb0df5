export * from "./chart.js";
export * from "./history.js";
export * from "./judge.js";
export * from "./session.js";
export * from "./trend.js";
