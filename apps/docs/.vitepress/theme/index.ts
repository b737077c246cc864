import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import CompareStrategies from './components/CompareStrategies.vue';
import ServeLoad from './components/ServeLoad.vue';
import TaskGallery from './components/TaskGallery.vue';
import YoloDemo from './components/YoloDemo.vue';
import './custom.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('CompareStrategies', CompareStrategies);
    app.component('ServeLoad', ServeLoad);
    app.component('TaskGallery', TaskGallery);
    app.component('YoloDemo', YoloDemo);
  },
} satisfies Theme;
