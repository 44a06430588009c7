import { parseFormats, type NumberFormat } from '../onnx/formats.js';
import { weightMemoryBytes } from './constraints.js';

/** A network with a known accuracy and its state_dict size, e.g. a catalog network with its published accuracy. */
export interface KnownNetwork {
  readonly index: number;
  readonly accuracy: number;
  readonly stateDictElements: number;
}

/** The best network under one weight budget and format, or none when no network fits. */
export interface MemoryTableCell {
  readonly format: string;
  readonly best?: KnownNetwork & { readonly weightBytes: number };
}

/** One budget row of the memory table. */
export interface MemoryTableRow {
  readonly budgetBytes: number;
  readonly cells: readonly MemoryTableCell[];
}

/** The weight budgets of the paper's memory result: 8 KiB to 1 MiB, doubling. */
export const TABLE_BUDGETS: readonly number[] = Array.from({ length: 8 }, (_, i) => 8 * 1024 * 2 ** i);

/** The formats the memory table compares. */
export const TABLE_FORMATS: readonly NumberFormat[] = parseFormats('fp32,fp16,bf16,int8,e4m3');

/**
 * For each weight budget and format, the most accurate network whose weights (every state_dict element at the
 * format's width) fit the budget: the paper's "count the weights in half precision" result, from known accuracies.
 */
export function memoryTable(
  networks: readonly KnownNetwork[],
  budgets: readonly number[] = TABLE_BUDGETS,
  formats: readonly NumberFormat[] = TABLE_FORMATS,
): MemoryTableRow[] {
  return budgets.map((budgetBytes) => ({
    budgetBytes,
    cells: formats.map((format) => {
      let best: MemoryTableCell['best'];
      for (const n of networks) {
        const weightBytes = weightMemoryBytes(n, format);
        if (weightBytes > budgetBytes) continue;
        if (best === undefined || n.accuracy > best.accuracy || (n.accuracy === best.accuracy && n.index < best.index)) {
          best = { ...n, weightBytes };
        }
      }
      return { format: format.name, ...(best ? { best } : {}) };
    }),
  }));
}
