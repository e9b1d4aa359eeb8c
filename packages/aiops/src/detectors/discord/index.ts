// Matrix-profile discord: subsequences of 32 points against the 512 before them.
import { calibratedFactory } from '../calibrated/calibrated-detector.js';
import type { DetectorFactory } from '../detector.js';
import { discordCore, type DiscordParams } from './discord-core.js';

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

export const discordDetector: DetectorFactory = calibratedFactory(NAME, discordParams, discordCore);

export { discordCore, type DiscordParams } from './discord-core.js';
