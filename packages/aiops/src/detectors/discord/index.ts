// Matrix-profile discord: subsequences of 32 points against the 512 before them.
import type { DetectorFactory } from '../detector.js';
import { DiscordDetector, type DiscordParams } from './discord-detector.js';

export const discordParams: DiscordParams = {
  length: 32,
  history: 512,
  exclusion: 8,
  noiseFloor: 0.25,
  memory: 2000,
  recent: 8,
  warmup: 100,
};

const NAME = 'discord';

export const discordDetector: DetectorFactory = {
  name: NAME,
  create: () => DiscordDetector.create(NAME, discordParams),
  restore: (snapshot) => DiscordDetector.restore(NAME, discordParams, snapshot),
};

export { DiscordDetector, type DiscordParams } from './discord-detector.js';
