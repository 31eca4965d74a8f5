export { usageCommand } from './report.js';
