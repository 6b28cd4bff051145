package io.opencdi.gateway.template;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A desktop template: what image runs with which resources and isolation, and the policies its
 * desktops' sessions are held to (docs/adr/0028-desktop-policies.md).
 */
@Entity
@Table(name = "template")
public class TemplateEntity {
  @Id public UUID id;
  public String name;
  public String description;
  public String image;

  @Column(name = "cpu_millis")
  public long cpuMillis;

  @Column(name = "memory_mib")
  public long memoryMiB;

  @Column(name = "runtime_class")
  public String runtimeClass;

  @Column(name = "storage_class")
  public String storageClass;

  @Column(name = "home_volume_gib")
  public int homeVolumeGiB;

  public String arch;

  @Enumerated(EnumType.STRING)
  public ClipboardPolicy clipboard = ClipboardPolicy.BOTH;

  @Column(name = "clipboard_max_bytes")
  public int clipboardMaxBytes = 1_048_576;

  /** Pattern with {user}, {time} and {desktop}, or null for no watermark. */
  public String watermark;

  @Enumerated(EnumType.STRING)
  @Column(name = "file_transfer")
  public FileTransferPolicy fileTransfer = FileTransferPolicy.BOTH;

  @Column(name = "file_transfer_max_mib")
  public int fileTransferMaxMiB = 100;

  public boolean printing;
  public boolean audio;
  public boolean microphone;

  /** Null: a viewer with no input stays connected. */
  @Column(name = "idle_timeout_minutes")
  public Integer idleTimeoutMinutes;

  /** Null: a desktop nobody is connected to stays on. */
  @Column(name = "auto_power_off_minutes")
  public Integer autoPowerOffMinutes;

  /** Null: a viewer's session has no length limit. */
  @Column(name = "max_session_minutes")
  public Integer maxSessionMinutes;

  /**
   * Layers its desktops start with, as {@link io.opencdi.gateway.applayer.LayerStack} keeps them.
   */
  @Column(name = "app_layers")
  public String appLayers = "[]";

  @Column(name = "created_at")
  public OffsetDateTime createdAt;
}
