// Types of scripts/import-graph.js, for the test that enforces the layering.
export type ImportGraph = Map<string, string[]>;
export type Violation = [from: string, to: string, why: string];
export const LAYERS: Readonly<Record<string, readonly string[]>>;
export function importGraph(): ImportGraph;
export function cycles(graph: ImportGraph): string[][];
export function folderCycles(graph: ImportGraph): string[][];
export function layerViolations(graph: ImportGraph): Violation[];
export function folderEdges(graph: ImportGraph): Map<string, number>;
export function layerOf(file: string): string;
