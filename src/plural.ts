/** A count with its noun in the right number: `counted(1, 'network')` is '1 network', `counted(36, 'network')` '36 networks'. */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
