import { GraphBuilder } from '../../graph/graph.js';
import { cellA, cellB, pnasNet } from '../blocks/pnasnet.js';
import { registerSpace } from '../registry.js';
import { checkKeys, codeList, drawOne, drawRange, intList } from './args.js';

const NAME = 'random_net_pnasnet';
/** Cell codes of `cell_types`: 0 = CellA, 1 = CellB. */
const CELLS = [cellA, cellB];

/** PNASNet space: cells per stage and a stem width whose later stages are integer multiples (SepConv groups by in_planes). */
registerSpace({
  name: NAME,
  rangeKinds: { num_cells: 'range', num_planes0: 'range', num_planes1: 'range', num_planes2: 'range' },
  laws: {
    s1: { num_cells: [1, 12], num_planes0: [16, 128], num_planes1: [1, 4], num_planes2: [1, 4] },
    s2: { num_cells: [1, 8], num_planes0: [16, 64], num_planes1: [1, 3], num_planes2: [1, 3] },
    s3: { num_cells: [1, 3], num_planes0: [8, 16], num_planes1: [1, 2], num_planes2: [1, 2] },
  },
  sample(ranges, rng) {
    const numCells = drawRange(rng, ranges, 'num_cells', 3);
    const p0 = drawOne(rng, ranges, 'num_planes0');
    const p1 = p0 * drawOne(rng, ranges, 'num_planes1');
    const p2 = p1 * drawOne(rng, ranges, 'num_planes2');
    return { cell_types: [0], num_cells: numCells, num_planes: [p0, p1, p2] };
  },
  build(args, numClasses) {
    checkKeys(NAME, args, ['cell_types', 'num_cells', 'num_planes']);
    const [cellType] = codeList(NAME, args, 'cell_types', 1, ['CellA', 'CellB']);
    const spec = { cell: CELLS[cellType]!, numCells: intList(NAME, args, 'num_cells', 3, 0), numPlanes: intList(NAME, args, 'num_planes', 3) };
    const b = new GraphBuilder(NAME, [3, 32, 32], numClasses);
    return b.build(pnasNet(b, spec));
  },
});
