/*
 * edgekv-lazyfs: a FUSE pass-through file system that keeps file data written since the last
 * fsync in its own memory, so that killing it (the node's container: power loss) loses exactly
 * what a disk loses when the power goes: data not yet synced. What Jepsen's LazyFS does, written
 * for the EdgeKV chaos harness (docs/chaos.md, "Power loss").
 *
 *   edgekv-lazyfs BACKING MOUNTPOINT [--writeback-ms N] [--ignore-fsync] [fuse options]
 *
 * - Data: writes go to 4 KiB pages held here; reads see them over the backing file. fsync and
 *   fdatasync write a file's pages to the backing file and fsync it. Like the kernel's
 *   writeback, pages older than --writeback-ms (default 2000) are written to the backing file
 *   (without fsync; the backing file system is the host's, which keeps them) by a background
 *   thread; 0 turns that off.
 * - Metadata (create, rename, unlink, mkdir, truncate, chmod) goes straight to the backing
 *   directory: this model loses data, not names.
 * - --ignore-fsync: fsync returns success and does nothing (the harness's skip-fsync self-test:
 *   the disk of a node that never syncs). Only the writeback persists anything then.
 *
 * Pages are keyed by the backing inode number, so renames keep their unsynced data (and lose
 * it on power loss, as a real disk would).
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <fuse.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define BUCKETS 4096

struct page {
  off_t index;
  int64_t dirtied_ms;
  struct page *next;
  char data[PAGE];
};

struct file {
  ino_t ino;
  int fd;          /* an O_RDWR descriptor of the backing file, for writeback */
  off_t size;      /* logical size: backing size extended by pages written here */
  struct page *pages;
  struct file *next;
};

static char backing[PATH_MAX];
static int writeback_ms = 2000;
static int ignore_fsync = 0;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct file *files[BUCKETS];

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void full(char *out, const char *path) {
  snprintf(out, PATH_MAX, "%s%s", backing, path);
}

static struct file *find(ino_t ino) {
  for (struct file *f = files[ino % BUCKETS]; f; f = f->next) {
    if (f->ino == ino) return f;
  }
  return NULL;
}

static struct file *find_or_add(ino_t ino, int fd) {
  struct file *f = find(ino);
  if (f) return f;
  struct stat st;
  if (fstat(fd, &st) != 0) return NULL;
  f = calloc(1, sizeof *f);
  f->ino = ino;
  f->fd = dup(fd);
  f->size = st.st_size;
  f->next = files[ino % BUCKETS];
  files[ino % BUCKETS] = f;
  return f;
}

static void drop(ino_t ino) {
  struct file **p = &files[ino % BUCKETS];
  while (*p && (*p)->ino != ino) p = &(*p)->next;
  if (!*p) return;
  struct file *f = *p;
  *p = f->next;
  for (struct page *pg = f->pages, *n; pg; pg = n) {
    n = pg->next;
    free(pg);
  }
  close(f->fd);
  free(f);
}

static struct page *page_of(struct file *f, off_t index) {
  for (struct page *p = f->pages; p; p = p->next) {
    if (p->index == index) return p;
  }
  return NULL;
}

/* Writes one page (up to the logical size) to the backing file. */
static int write_back(struct file *f, struct page *p) {
  off_t start = p->index * PAGE;
  if (start >= f->size) return 0;
  size_t len = f->size - start < PAGE ? (size_t) (f->size - start) : PAGE;
  return pwrite(f->fd, p->data, len, start) == (ssize_t) len ? 0 : -errno;
}

/* Writes back the pages matching (all, or dirtied before `before`) and frees them. */
static int flush_pages(struct file *f, int all, int64_t before) {
  struct page **pp = &f->pages;
  int rc = 0;
  while (*pp) {
    struct page *p = *pp;
    if (all || p->dirtied_ms < before) {
      int r = write_back(f, p);
      if (r != 0) rc = r;
      *pp = p->next;
      free(p);
    } else {
      pp = &p->next;
    }
  }
  return rc;
}

static void *writeback_thread(void *arg) {
  (void) arg;
  for (;;) {
    usleep(250 * 1000);
    pthread_mutex_lock(&lock);
    int64_t before = now_ms() - writeback_ms;
    for (int b = 0; b < BUCKETS; b++) {
      for (struct file *f = files[b]; f; f = f->next) flush_pages(f, 0, before);
    }
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static int lz_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  (void) fi;
  char p[PATH_MAX];
  full(p, path);
  if (lstat(p, st) != 0) return -errno;
  pthread_mutex_lock(&lock);
  struct file *f = S_ISREG(st->st_mode) ? find(st->st_ino) : NULL;
  if (f) st->st_size = f->size;
  pthread_mutex_unlock(&lock);
  return 0;
}

static int lz_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
    enum fuse_readdir_flags flags) {
  (void) off; (void) fi; (void) flags;
  char p[PATH_MAX];
  full(p, path);
  DIR *d = opendir(p);
  if (!d) return -errno;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    struct stat st = {0};
    st.st_ino = e->d_ino;
    st.st_mode = e->d_type << 12;
    if (fill(buf, e->d_name, &st, 0, 0)) break;
  }
  closedir(d);
  return 0;
}

static int open_backing(const char *path, int flags, mode_t mode, struct fuse_file_info *fi) {
  char p[PATH_MAX];
  full(p, path);
  /* always read-write (pages are filled from the backing file) and never O_APPEND (the kernel passes offsets) */
  int fd = open(p, (flags & ~(O_ACCMODE | O_APPEND | O_DIRECT)) | O_RDWR, mode);
  if (fd < 0) return -errno;
  fi->fh = fd;
  if (flags & O_TRUNC) {
    struct stat st;
    pthread_mutex_lock(&lock);
    if (fstat(fd, &st) == 0) drop(st.st_ino);
    pthread_mutex_unlock(&lock);
  }
  return 0;
}

static int lz_open(const char *path, struct fuse_file_info *fi) {
  return open_backing(path, fi->flags, 0, fi);
}

static int lz_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  return open_backing(path, fi->flags | O_CREAT, mode, fi);
}

static int lz_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void) path;
  int fd = fi->fh;
  struct stat st;
  if (fstat(fd, &st) != 0) return -errno;
  pthread_mutex_lock(&lock);
  struct file *f = find(st.st_ino);
  off_t end = f ? f->size : st.st_size;
  if (off >= end) {
    pthread_mutex_unlock(&lock);
    return 0;
  }
  if ((off_t) size > end - off) size = end - off;
  ssize_t got = pread(fd, buf, size, off);
  if (got < 0) got = 0;
  if ((size_t) got < size) memset(buf + got, 0, size - got);
  if (f) {
    for (struct page *p = f->pages; p; p = p->next) {
      off_t ps = p->index * PAGE, pe = ps + PAGE;
      off_t s = ps > off ? ps : off, e = pe < off + (off_t) size ? pe : off + (off_t) size;
      if (s < e) memcpy(buf + (s - off), p->data + (s - ps), e - s);
    }
  }
  pthread_mutex_unlock(&lock);
  return size;
}

static int lz_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void) path;
  int fd = fi->fh;
  struct stat st;
  if (fstat(fd, &st) != 0) return -errno;
  pthread_mutex_lock(&lock);
  struct file *f = find_or_add(st.st_ino, fd);
  if (!f) {
    pthread_mutex_unlock(&lock);
    return -EIO;
  }
  int64_t t = now_ms();
  size_t done = 0;
  while (done < size) {
    off_t pos = off + done;
    off_t index = pos / PAGE;
    struct page *p = page_of(f, index);
    if (!p) {
      p = calloc(1, sizeof *p);
      p->index = index;
      off_t ps = index * PAGE;
      if (ps < f->size) {
        ssize_t got = pread(fd, p->data, PAGE, ps);
        (void) got;
      }
      p->next = f->pages;
      f->pages = p;
    }
    p->dirtied_ms = t;
    size_t in = pos - index * PAGE;
    size_t n = PAGE - in < size - done ? PAGE - in : size - done;
    memcpy(p->data + in, buf + done, n);
    done += n;
  }
  if (off + (off_t) size > f->size) f->size = off + size;
  pthread_mutex_unlock(&lock);
  return size;
}

static int sync_fd(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return -errno;
  if (ignore_fsync) return 0;
  pthread_mutex_lock(&lock);
  struct file *f = find(st.st_ino);
  int rc = f ? flush_pages(f, 1, 0) : 0;
  pthread_mutex_unlock(&lock);
  if (rc == 0 && fsync(fd) != 0) rc = -errno;
  return rc;
}

static int lz_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void) path; (void) datasync;
  return sync_fd(fi->fh);
}

static int lz_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  char p[PATH_MAX];
  full(p, path);
  int rc = fi ? ftruncate(fi->fh, size) : truncate(p, size);
  if (rc != 0) return -errno;
  struct stat st;
  if ((fi ? fstat(fi->fh, &st) : lstat(p, &st)) != 0) return -errno;
  pthread_mutex_lock(&lock);
  struct file *f = find(st.st_ino);
  if (f) {
    f->size = size;
    struct page **pp = &f->pages;
    while (*pp) {
      struct page *pg = *pp;
      if (pg->index * PAGE >= size) {
        *pp = pg->next;
        free(pg);
        continue;
      }
      if ((pg->index + 1) * PAGE > size) memset(pg->data + (size - pg->index * PAGE), 0, (pg->index + 1) * PAGE - size);
      pp = &pg->next;
    }
  }
  pthread_mutex_unlock(&lock);
  return 0;
}

static int lz_release(const char *path, struct fuse_file_info *fi) {
  (void) path;
  close(fi->fh);
  return 0;
}

static int lz_unlink(const char *path) {
  char p[PATH_MAX];
  full(p, path);
  struct stat st;
  int known = lstat(p, &st) == 0;
  if (unlink(p) != 0) return -errno;
  if (known && S_ISREG(st.st_mode) && st.st_nlink <= 1) {
    pthread_mutex_lock(&lock);
    drop(st.st_ino);
    pthread_mutex_unlock(&lock);
  }
  return 0;
}

static int lz_rename(const char *from, const char *to, unsigned int flags) {
  char a[PATH_MAX], b[PATH_MAX];
  full(a, from);
  full(b, to);
  if (flags) return -EINVAL;
  struct stat st;
  int replaced = lstat(b, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink <= 1;
  if (rename(a, b) != 0) return -errno;
  if (replaced) {
    pthread_mutex_lock(&lock);
    drop(st.st_ino);
    pthread_mutex_unlock(&lock);
  }
  return 0;
}

static int lz_link(const char *from, const char *to) {
  char a[PATH_MAX], b[PATH_MAX];
  full(a, from);
  full(b, to);
  return link(a, b) == 0 ? 0 : -errno;
}

static int lz_mkdir(const char *path, mode_t mode) {
  char p[PATH_MAX];
  full(p, path);
  return mkdir(p, mode) == 0 ? 0 : -errno;
}

static int lz_rmdir(const char *path) {
  char p[PATH_MAX];
  full(p, path);
  return rmdir(p) == 0 ? 0 : -errno;
}

static int lz_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  (void) fi;
  char p[PATH_MAX];
  full(p, path);
  return chmod(p, mode) == 0 ? 0 : -errno;
}

static int lz_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  (void) fi;
  char p[PATH_MAX];
  full(p, path);
  return utimensat(AT_FDCWD, p, tv, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

static int lz_statfs(const char *path, struct statvfs *st) {
  char p[PATH_MAX];
  full(p, path);
  return statvfs(p, st) == 0 ? 0 : -errno;
}

static int lz_access(const char *path, int mask) {
  char p[PATH_MAX];
  full(p, path);
  return access(p, mask) == 0 ? 0 : -errno;
}

static int lz_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
  (void) path; (void) datasync; (void) fi;
  return 0; /* metadata goes straight to the backing directory */
}

static const struct fuse_operations ops = {
  .getattr = lz_getattr, .readdir = lz_readdir, .open = lz_open, .create = lz_create, .read = lz_read,
  .write = lz_write, .fsync = lz_fsync, .truncate = lz_truncate, .release = lz_release,
  .unlink = lz_unlink, .rename = lz_rename, .link = lz_link, .mkdir = lz_mkdir, .rmdir = lz_rmdir,
  .chmod = lz_chmod, .utimens = lz_utimens, .statfs = lz_statfs, .access = lz_access,
  .fsyncdir = lz_fsyncdir,
};

int main(int argc, char *argv[]) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s BACKING MOUNTPOINT [--writeback-ms N] [--ignore-fsync] [fuse options]\n", argv[0]);
    return 2;
  }
  if (!realpath(argv[1], backing)) {
    perror(argv[1]);
    return 2;
  }
  char *fargs[64];
  int n = 0;
  fargs[n++] = argv[0];
  fargs[n++] = argv[2];
  fargs[n++] = "-o";
  fargs[n++] = "allow_other,default_permissions";
  fargs[n++] = "-f"; /* foreground: the writeback thread must survive (the caller backgrounds us) */
  for (int i = 3; i < argc && n < 60; i++) {
    if (strcmp(argv[i], "--ignore-fsync") == 0) {
      ignore_fsync = 1;
    } else if (strcmp(argv[i], "--writeback-ms") == 0 && i + 1 < argc) {
      writeback_ms = atoi(argv[++i]);
    } else {
      fargs[n++] = argv[i];
    }
  }
  fargs[n] = NULL;
  if (writeback_ms > 0) {
    pthread_t t;
    pthread_create(&t, NULL, writeback_thread, NULL);
  }
  return fuse_main(n, fargs, &ops, NULL);
}
