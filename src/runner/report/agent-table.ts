/**
 * `simenv report --by agent`, in three modules: agent-grouping.ts (runs by scenario and agent),
 * agent-stats.ts (per-seed and per-agent figures) and agent-format.ts (the text). This module
 * is their public face.
 */
export { canonicalJson } from './canonical-json.js';
export { describeAgent, describeScenario, groupByAgent, type ActionInterface, type AgentDescription, type AgentReport, type ScenarioDescription, type ScenarioTable } from './agent-grouping.js';
export { deriveSeedBlocks, runSeedBlocks, type AgentRow, type SeedFigures } from './agent-stats.js';
export { AGENT_REPORT_HEADER, agentCells, fmtActions, fmtPerSeed, fmtRewardMeanStd, formatAgentReport } from './agent-format.js';
