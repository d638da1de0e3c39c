/**
 * The Worker speaks English (it also serves the CLI and the logs). The page translates what it
 * says by pattern: each entry matches one message shape and rebuilds it in the target language
 * from the captured values. A message no pattern knows is shown as it came, never dropped.
 */
import type { Lang } from './core.ts';

type Rule = [RegExp, (m: RegExpMatchArray) => string];

const ZH: Rule[] = [
  [/^starting the training worker$/, () => '正在启动训练线程'],
  [/^starting the compute backend$/, () => '正在启动计算后端'],
  [/^loading the built-in set "(.+)"$/, (m) => `正在载入内置数据集“${m[1]}”`],
  [/^reading (\d+) file\(s\)$/, (m) => `正在读取 ${m[1]} 个文件`],
  [/^preparing the images again$/, () => '正在重新处理图片'],
  [/^preparing images at (\d+)×\d+$/, (m) => `正在把图片处理为 ${m[1]}×${m[1]}`],
  [/^timing a training step at each size on (\w+)$/, (m) => `正在 ${m[1]} 上测量各个尺寸的训练速度`],
  [/^choose a dataset, or press Train on the built-in one$/, () => '选择一个数据集，或直接在内置数据集上点“开始训练”'],
  [/^(\d+) images ready: press Train$/, (m) => `${m[1]} 张图片已就绪：点“开始训练”`],
  [/^paused at step (\d+)$/, (m) => `已暂停于第 ${m[1]} 步`],
  [/^add images (?:before training|or pick a built-in set(?: before training)?)$/, () => '请先添加图片或选择内置数据集'],
  [/^the dataset is empty: add images or pick a built-in set$/, () => '数据集是空的：添加图片或选择内置数据集'],
  [/^(\d+)×\d+ (\S+), batch (\d+), on (\w+)(.*)$/, (m) => `${m[1]}×${m[1]} ${m[2]}，批大小 ${m[3]}，运行于 ${m[4]}${m[5] ? ` ${m[5].trim()}` : ''}`],
  [/^opened "(.+)" at step (\d+): press Resume to continue$/, (m) => `已打开“${m[1]}”，第 ${m[2]} 步：点“继续”接着训练`],
  [/^back at step (\d+), the best SWD so far \(([\d.]+)\): press Resume to continue from here$/, (m) => `已回到第 ${m[1]} 步，目前 SWD 最好（${m[2]}）：点“继续”从这里接着训练`],
  [/^training diverged at step (\d+): (.+)\. Rolled back to step (\d+)\. .*$/, (m) => `训练在第 ${m[1]} 步发散：${m[2]}。已回滚到第 ${m[3]} 步。可以在设置里降低学习率，或点“继续”从第 ${m[3]} 步接着训练。`],
  [/^training diverged at step (\d+): (.+), before any snapshot was kept; .*$/, (m) => `训练在第 ${m[1]} 步发散：${m[2]}，当时还没有快照；模型已重置。请尝试降低学习率。`],
  [/^no quality measurement yet: train a little first$/, () => '还没有质量测量：先训练一会儿'],
  [/^there is no (?:generator|model)(?: to export)? yet: load a dataset first$/, () => '还没有模型：请先载入数据集'],
  [/^saved runs are unavailable: this browser blocks storage for the page$/, () => '无法保存训练：这个浏览器禁止了页面存储'],
  [/^The training worker crashed \((.+)\)\. Restarted it and restored the last autosave\.$/, (m) => `训练线程崩溃了（${m[1]}）。已重启并恢复最近一次自动保存。`],
  [/^The training worker crashed \((.+)\)\. Restarted it; there was no autosave to restore yet\.$/, (m) => `训练线程崩溃了（${m[1]}）。已重启；还没有可恢复的自动保存。`],
  [/^The (\w+) backend failed (\d+) times in two minutes \(last: (.+)\); continuing on WebAssembly \(CPU\)\.$/, (m) => `${m[1]} 后端在两分钟内失败了 ${m[2]} 次（最近一次：${m[3]}）；改用 WebAssembly（CPU）继续。`],
  [/^could not download the built-in set "(.+)": the page seems to be offline \((.+)\)\. The current images are kept\.$/, (m) => `无法下载内置数据集“${m[1]}”：页面似乎处于离线状态（${m[2]}）。当前的图片保留不变。`],
  [/^empty file \(0 bytes\)$/, () => '空文件（0 字节）'],
  [/^not an image \(unrecognised content\)$/, () => '不是图片（无法识别的内容）'],
  [/^corrupt or unreadable zip archive$/, () => 'zip 压缩包损坏或无法读取'],
  [/^corrupt entry in zip archive$/, () => 'zip 压缩包中的条目损坏'],
  [/^nested archives are not opened$/, () => '不会打开嵌套的压缩包'],
  [/^small image \((\d+×\d+)\) was upscaled to (\d+×\d+)$/, (m) => `小图片（${m[1]}）被放大到 ${m[2]}`],
];

const RULES: Record<Lang, Rule[]> = { en: [], zh: ZH };

export function localizeWorkerText(lang: Lang, text: string): string {
  for (const [pattern, build] of RULES[lang]) {
    const m = text.match(pattern);
    if (m) return build(m);
  }
  return text;
}
