export { FlexContract } from './contract';
