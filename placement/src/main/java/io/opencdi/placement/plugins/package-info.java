/**
 * Built-in filter and score plugins, one small package each, in the shape of Karmada's {@code
 * pkg/scheduler/framework/plugins}. Every plugin exposes its {@code NAME}, the key it is registered
 * under in {@link io.opencdi.placement.registry.PluginRegistry#defaults()}.
 */
package io.opencdi.placement.plugins;
