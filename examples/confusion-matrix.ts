/**
 * A confusion matrix with `aggregate`: (predicted, true) label pairs are
 * folded into a matrix per partition, the partial matrices summed, then
 * precision, recall and F1 computed per class.
 */
import { Context } from 'sparkling-rdd';

const labels = ['cat', 'dog', 'bird'];
const sc = new Context();

// [predicted, actual] pairs from an imaginary classifier.
const predictions: [string, string][] = [];
for (let i = 0; i < 300; i++) {
  const actual = labels[i % 3] as string;
  const wrong = i % 7 === 0 || i % 11 === 0;
  predictions.push([wrong ? (labels[(i + 1) % 3] as string) : actual, actual]);
}

const zero = labels.map(() => labels.map(() => 0));
const matrix = await sc.parallelize(predictions, 4).aggregate(
  zero,
  (m, [predicted, actual]) => {
    const row = m[labels.indexOf(actual)] as number[];
    const col = labels.indexOf(predicted);
    row[col] = (row[col] ?? 0) + 1;
    return m;
  },
  (a, b) => a.map((row, i) => row.map((x, j) => x + (b[i]?.[j] ?? 0))),
);

console.log('rows: actual, columns: predicted');
console.log(['', ...labels].map((s) => s.padStart(6)).join(''));
matrix.forEach((row, i) => {
  console.log([labels[i] as string, ...row.map(String)].map((s) => s.padStart(6)).join(''));
});
labels.forEach((label, k) => {
  const tp = (matrix[k] as number[])[k] as number;
  const predicted = matrix.reduce((s, row) => s + (row[k] as number), 0);
  const actual = (matrix[k] as number[]).reduce((s, x) => s + x, 0);
  const precision = tp / predicted;
  const recall = tp / actual;
  const f1 = (2 * precision * recall) / (precision + recall);
  console.log(`${label}: precision=${precision.toFixed(3)} recall=${recall.toFixed(3)} f1=${f1.toFixed(3)}`);
});
