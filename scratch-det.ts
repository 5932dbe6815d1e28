import { detectPii } from './masking/detector';
import { classify } from './masking/classify';
for (const t of process.argv.slice(2)) console.log(JSON.stringify(t), JSON.stringify(detectPii(t).map((s) => [s.entity, t.slice(s.start, s.end)])), JSON.stringify(classify(t)));
